// The lines a child process writes to a pipe. A chunk may end inside a line (and
// a character), so the stream keeps its unfinished tail until the rest arrives:
// a line cut in two matched no pattern and failed JSON.parse before.

export function onPipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let tail = '';
  stream?.setEncoding('utf8'); // a character cut between chunks is decoded whole
  stream?.on('data', (chunk: string) => {
    const parts = (tail + chunk).split('\n');
    tail = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  });
  stream?.on('end', () => onLine(tail));
}
