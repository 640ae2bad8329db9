// The Python of the reader venv that `scripts/services up` provisions (PyArrow +
// PyIceberg, scripts/services.d/reader.sh; FLOE_READER_PYTHON points elsewhere).
// Unit tests read floe's files back with it without any service running; when it
// is missing they fail saying so, they never skip.
import { existsSync } from 'node:fs';
import { services } from './services.ts';

export function readerPython(): string {
  const python = services.readerPython;
  if (!existsSync(python)) {
    throw new Error(`no Python reader at ${python}: run scripts/services up (it provisions the reader venv)`);
  }
  return python;
}
