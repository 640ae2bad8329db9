// A broken invariant: which one, and what exactly was seen.
export interface Violation {
  readonly invariant: string;
  readonly detail: string;
}
