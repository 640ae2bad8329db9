// Numbers the rows a RecordBatchBuilder appends, failed attempts included, so a
// column builder can save its statistics once per row, on their first change in
// that row, and put them back when the row is rolled back. Rows that change no
// statistic (almost all of them once min/max settle) cost nothing extra.

export class RowEpoch {
  /** The row being appended; never reused, so a saved state belongs to one attempt only. */
  current = 0;
}
