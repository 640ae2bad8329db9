// A topic belongs to one connector. Two topicPatterns are compared only on real
// topic names: when the group hands a topic out (docs/configuration.md).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';
import { type ConnectorSettings, topicOwner } from '../../../src/worker/connector-settings.ts';
import { settings, table } from '../../support/in-process-connector.ts';

function connector(name: string, topics: ConnectorSettings['topics']): { settings: ConnectorSettings } {
  return { settings: { ...settings(name, { kind: 'single', table: table(name) }), topics } };
}

describe('topicOwner', () => {
  const clicks = connector('clicks', /^(?:clicks\..*)$/);
  const orders = connector('orders', ['orders']);
  const all = connector('all', /^(?:.*\.eu)$/);

  it('names the one connector whose list or pattern takes the topic', () => {
    expect(topicOwner([clicks, orders], 'orders')).toBe(orders);
    expect(topicOwner([clicks, orders], 'clicks.web')).toBe(clicks);
    expect(topicOwner([clicks, orders], 'payments')).toBeUndefined();
  });

  it('refuses a topic two patterns match, naming both connectors', () => {
    expect(topicOwner([clicks, all], 'clicks.us')).toBe(clicks);
    expect(() => topicOwner([clicks, all], 'clicks.eu')).toThrow(ConfigError);
    expect(() => topicOwner([clicks, all], 'clicks.eu')).toThrow(
      'topic "clicks.eu" matches connectors clicks and all; a topic belongs to one connector: narrow their topicPattern',
    );
  });
});
