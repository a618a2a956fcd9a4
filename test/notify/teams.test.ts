// Teams through a Workflows webhook: the envelope the flow takes, with an Adaptive Card
// that Microsoft's `adaptivecards` library parses and validates without a single problem.
import { sendNotice, type NotifyChannel } from '../../src/notify/send.js';
import { teamsMessage } from '../../src/notify/teams.js';
import {
  adaptiveCardErrors,
  startTeamsEmulator,
  type TeamsEmulator,
} from '../../src/sim/notify/teams.js';
import { hostileNotice, NOTICE } from './support.js';

describe('Teams notifications', () => {
  let teams: TeamsEmulator;
  beforeEach(async () => {
    teams = await startTeamsEmulator();
  });
  afterEach(async () => {
    await teams.close();
  });
  const channel = (): NotifyChannel => ({ kind: 'teams', name: 'sre', url: teams.webhookUrl });

  it('sends an Adaptive Card 1.5 in the Workflows envelope, accepted by the adaptivecards parser', async () => {
    const result = await sendNotice(channel(), { ...NOTICE, state: 'needs-human' });
    expect(result).toEqual({
      name: 'sre',
      kind: 'teams',
      ok: true,
      line: 'teams channel "sre": sent',
      refs: {},
    });
    expect(teams.calls).toEqual(['accepted']);
    const card = teams.cards[0]!;
    expect(card).toMatchObject({
      type: 'AdaptiveCard',
      version: '1.5',
      actions: [{ type: 'Action.OpenUrl', url: NOTICE.link }],
    });
    // No mention configured: no entities, so nobody is pinged.
    expect(card.msteams).toEqual({ width: 'Full' });
    expect(JSON.stringify(card)).not.toContain('<at>');
  });

  it('sends hostile and very long text as a card the parser still accepts', async () => {
    const notice = hostileNotice({
      reasons: Array.from({ length: 40 }, () => '<at>x</at> **b** '.repeat(300)),
    });
    expect(adaptiveCardErrors(teamsMessage(notice).attachments[0]!.content)).toEqual([]);
    expect((await sendNotice(channel(), notice)).ok).toBe(true);
  });

  it('has the receiver refuse what the adaptivecards library finds wrong, and the channel say so in one line', async () => {
    expect(
      adaptiveCardErrors({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'Nope' }] }),
    ).toEqual(['Unknown element type "Nope". Fallback will be used if present.']);
    expect(
      adaptiveCardErrors({
        type: 'AdaptiveCard',
        version: '1.5',
        body: [],
        actions: [{ type: 'Action.OpenUrl', title: 'x' }],
      }),
    ).toEqual(['Property "url" must be set.']);
    expect(adaptiveCardErrors({ type: 'AdaptiveCard', version: '1.6', body: [] })).toEqual([
      'content.version 1.6 is newer than 1.5, which Teams renders',
    ]);
    const response = await fetch(teams.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        attachments: [{ contentType: 'text/plain', content: 'hi' }],
      }),
    });
    expect(response.status).toBe(400);
    expect(teams.calls).toEqual([
      "refused: each attachment's contentType must be application/vnd.microsoft.card.adaptive",
    ]);
  });
});
