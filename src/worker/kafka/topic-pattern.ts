// JS topic patterns (connector `topicPattern`) as librdkafka subscriptions.
import { ValidationError } from '../../errors.ts';

/**
 * librdkafka treats a subscription as a regex only when it starts with '^', and
 * compiles it as a POSIX extended regex (regcomp). JS-only syntax topic patterns
 * use is rewritten to match the same topics: `(?:` to a plain group, \d and \w
 * to bracket expressions.
 */
export function regexSubscription(pattern: RegExp): string {
  if (pattern.flags !== '') {
    throw new ValidationError(
      `Kafka topic pattern /${pattern.source}/${pattern.flags}: flags are not supported`,
    );
  }
  const text = pattern.source;
  const classes: Record<string, string> = { d: '0-9', w: 'A-Za-z0-9_' };
  let source = '';
  let inClass = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1] ?? '';
      const range = classes[next];
      source += range === undefined ? c + next : inClass ? range : `[${range}]`;
      i++;
    } else if (!inClass && text.startsWith('(?:', i)) {
      source += '(';
      i += 2;
    } else {
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      source += c;
    }
  }
  return source.startsWith('^') ? source : `^.*(${source})`;
}
