// Twitch EventSub catalogue: writes fixtures/twitch/*.json, one per
// subscription type and version, and tests/data/twitch/subscriptions.json
// (the list the coverage test holds the fixtures to).
//
// Input: the twurple packages, which type every EventSub subscription
// (type, version, condition: @twurple/api's HelixEventSubApi) and every
// event payload as Twitch sends it (@twurple/eventsub-base's
// `*.external.d.ts` interfaces). Types Twitch documents that twurple does
// not model are in SUPPLEMENT below, transcribed from Twitch's EventSub
// reference (dev.twitch.tv/docs/eventsub/reference).
//
// Run (node 20, no dependencies):
//   mkdir -p /tmp/tw && cd /tmp/tw
//   npm pack @twurple/eventsub-base@8.1.4 @twurple/api@8.1.4
//   mkdir base api
//   tar xzf twurple-eventsub-base-8.1.4.tgz -C base
//   tar xzf twurple-api-8.1.4.tgz -C api
//   node scripts/catalogue/twitch.mjs /tmp/tw/base/package /tmp/tw/api/package
// from the repository root. Same input, same files.

import fs from 'node:fs';
import path from 'node:path';
import { dtsFiles, readDeclarations, resolve, nonNull, literals } from './tsdecl.mjs';

const [baseDir, apiDir] = process.argv.slice(2);
if (!baseDir || !apiDir) {
  console.error('usage: node scripts/catalogue/twitch.mjs EVENTSUB_BASE_PACKAGE_DIR API_PACKAGE_DIR');
  process.exit(2);
}
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const OUT = path.join(ROOT, 'fixtures/twitch');
const DATA = path.join(ROOT, 'tests/data/twitch');

const basePkg = JSON.parse(fs.readFileSync(path.join(baseDir, 'package.json'), 'utf8'));
const apiPkg = JSON.parse(fs.readFileSync(path.join(apiDir, 'package.json'), 'utf8'));
const SOURCE = `${basePkg.name}@${basePkg.version} + ${apiPkg.name}@${apiPkg.version} typings`;
const DOCS_SOURCE = `Twitch EventSub reference (dev.twitch.tv/docs/eventsub/reference), transcribed; ${SOURCE} for shared shapes`;

// ---------------------------------------------------------------- the list

/** `subscribeToXxx` -> {type, version, conditionKeys}, from HelixEventSubApi.js. */
function apiSubscriptions() {
  const js = fs.readFileSync(path.join(apiDir, 'lib/endpoints/eventSub/HelixEventSubApi.js'), 'utf8');
  const helpers = fs.readFileSync(path.join(apiDir, 'lib/interfaces/endpoints/eventSub.external.js'), 'utf8');
  const helperKeys = {};
  for (const m of helpers.matchAll(/export function (createEventSub\w+Condition)\([^)]*\)\s*\{([\s\S]*?)\n\}/g)) {
    helperKeys[m[1]] = [...m[2].matchAll(/(\w+):/g)].map((x) => x[1]);
  }
  const out = {};
  for (const m of js.matchAll(/async (subscribeTo\w+)\(([^)]*)\)\s*\{([\s\S]*?)\n    \}/g)) {
    const call = /createSubscription\('([\w.]+)', '(\w+)', (\w+)\(([^)]*)/.exec(m[3]);
    if (!call) continue;
    let keys;
    if (call[3] === 'createSingleKeyQuery') keys = [/'(\w+)'/.exec(call[4])[1]];
    else keys = helperKeys[call[3]];
    if (!keys) throw new Error(`unknown condition helper ${call[3]}`);
    out[m[1]] = { type: call[1], version: call[2], conditionKeys: keys };
  }
  return out;
}

/** Each twurple subscription class: its API call and its event's data type. */
function subscriptions() {
  const api = apiSubscriptions();
  const dir = path.join(baseDir, 'lib/subscriptions');
  const list = [];
  for (const f of fs.readdirSync(dir).filter((x) => /^EventSub\w+Subscription\.js$/.test(x)).sort()) {
    const js = fs.readFileSync(path.join(dir, f), 'utf8');
    const call = /eventSub\.(subscribeTo\w+)/.exec(js);
    const event = /new (EventSub\w+Event)\(/.exec(js);
    if (!call || !event) continue;
    const sub = api[call[1]];
    if (!sub) throw new Error(`${f}: ${call[1]} not in the API`);
    list.push({ ...sub, dataType: `${event[1]}Data`, klass: f.replace('.js', '') });
  }
  // One entry per type and version (reward events have a per-reward variant).
  const seen = new Set();
  return list.filter((s) => {
    const k = `${s.type}@${s.version}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// Events whose payload is a union keyed by one field: Twitch sends every
// variant's key, null except the one the discriminant names.
const UNIONS = {
  'channel.moderate': { type: 'EventSubChannelModerationActionEventData', key: 'action', pick: 'timeout' },
  'channel.chat.notification': { type: 'EventSubChannelChatNotificationEventData', key: 'notice_type', pick: 'resub' },
};

// ------------------------------------------------------------ the people

const PEOPLE = {
  broadcaster: { id: '141981764', login: 'twitchdev', name: 'TwitchDev', entity: 'broadcaster' },
  user: { id: '531614289', login: 'cool_user', name: 'Cool_User', entity: 'user' },
  moderator: { id: '713936733', login: 'mod_mira', name: 'Mod_Mira', entity: 'moderator' },
  other: { id: '402183744', login: 'partner_stream', name: 'Partner_Stream', entity: 'other_broadcaster' },
  gifter: { id: '275014862', login: 'generous_gifter', name: 'Generous_Gifter', entity: 'gifter' },
};
// Which person a `PREFIX_user_id` / `PREFIX_id` field names.
const ROLE = {
  broadcaster: 'broadcaster', broadcaster_user: 'broadcaster', to_broadcaster_user: 'other', from_broadcaster_user: 'broadcaster',
  host_broadcaster_user: 'other', source_broadcaster_user: 'other', owner_broadcaster_user: 'broadcaster',
  user: 'user', chatter_user: 'user', requester_user: 'moderator', moderator_user: 'moderator', target_user: 'user',
  from_user: 'user', to_user: 'broadcaster', gifter_user: 'gifter', recipient_user: 'user', parent_user: 'gifter',
  thread_user: 'gifter', host_user: 'broadcaster', guest_user: 'other',
};

// -------------------------------------------------------- value synthesis

const BASE = '2025-11-24T16:00:00';
const NOW = `${BASE}.512345678Z`;
// Timestamps in the future of the event (when a poll ends, a timeout expires):
// fresh at every send as now plus an offset (`{iso_ms+300}`), five minutes
// unless TIMES says otherwise.
const FUTURE = new Set(['ends_at', 'locks_at', 'expires_at', 'cooldown_expires_at', 'cooldown_ends_at', 'target_cooldown_ends_at']);
const FUTURE_OFFSET = 300;
/** The sample value and the fresh template of a time `offset` seconds from now. */
function timeAt(offset) {
  const value = new Date(Date.parse(`${BASE}Z`) + offset * 1000).toISOString().replace(/\.000Z$/, '.512345678Z');
  return { value, template: offset === 0 ? '{iso_ms}' : `{iso_ms${offset > 0 ? '+' : ''}${offset}}` };
}
const LATER = timeAt(FUTURE_OFFSET).value;
// Per type, the offsets from now (seconds) of its times, so that they agree:
// a running poll began a minute ago and ends in four, an ended one began five
// minutes before it ended, a Hype Train's cooldown ends an hour after it, a
// shoutout's cooldowns are Twitch's 2 minutes and 60 minutes per target.
const TIMES = {
  'channel.poll.begin': { ends_at: 300 },
  'channel.poll.progress': { started_at: -60, ends_at: 240 },
  'channel.poll.end': { started_at: -300 },
  'channel.prediction.begin': { locks_at: 300 },
  'channel.prediction.progress': { started_at: -60, locks_at: 240 },
  'channel.prediction.lock': { started_at: -300 },
  'channel.prediction.end': { started_at: -600 },
  'channel.hype_train.begin': { expires_at: 300 },
  'channel.hype_train.progress': { started_at: -120, expires_at: 300 },
  'channel.hype_train.end': { started_at: -900, cooldown_ends_at: 3600 },
  'channel.goal.progress': { started_at: -3600 },
  'channel.goal.end': { started_at: -86400 },
  'channel.moderate': { 'timeout.expires_at': 300 },
  'channel.shoutout.create': { cooldown_ends_at: 120, target_cooldown_ends_at: 3600 },
  'channel.guest_star_session.end': { started_at: -3600 },
  'conduit.shard.disabled': { 'transport.connected_at': -1200 },
};

/** Sets an event's times to TIMES' offsets; none ahead of now is left fixed. */
function applyTimes(type, event, fresh) {
  for (const [at, offset] of Object.entries(TIMES[type] ?? {})) {
    const keys = at.split('.');
    const parent = keys.slice(0, -1).reduce((o, k) => o?.[k], event);
    const last = keys[keys.length - 1];
    if (!parent || parent[last] == null) throw new Error(`${type}: no time event.${at}`);
    const t = timeAt(offset);
    parent[last] = t.value;
    fresh[`event.${at}`] = t.template;
  }
  const walk = (v, p) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    else if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) && v > NOW && !fresh[p.join('.')]) {
      throw new Error(`${type}: ${p.join('.')} is ahead of now and not fresh`);
    }
  };
  walk(event, ['event']);
}

const STRINGS = {
  title: 'Speedrunning the new patch', category_name: 'Just Chatting', category_id: '509658', language: 'en',
  color: '#9146FF', background_color: '#9147FF', text: 'Great stream!', prompt: 'Type a word for the bot to say',
  message: 'Great stream!', reason: 'Spamming links in chat', type: 'live', status: 'fulfilled', description: 'Hydrate!',
  user_input: 'hello from chat', system_message: 'Cool_User subscribed at Tier 1. They\'ve subscribed for 7 months!',
  tier: '1000', sub_tier: '1000', currency: 'USD', charity_name: 'Example Charity', charity_description: 'Helping people play.',
  charity_logo: 'https://static-cdn.jtvnw.net/charity-logo.png', charity_website: 'https://example.org', email: 'user@example.com',
  resolution_text: 'Welcome back, please read the rules.', text_fragment: 'Great stream!', prefix: 'Cheer', set_id: 'subscriber',
  info: '7', sku: 'power_up_sku', name: 'Hydrate', format: 'static', emote_set_id: '0', product: 'power_up',
  moderator_message: 'Welcome back.', message_body: 'buy followers at example.com', parent_message_body: 'first message in the thread',
  term_id: '8d4ae5ec-1b2f-4d4e-a3a9-1b6e0d7c1a2b', version: '1', client_id: 'crq72vsaoijkc83xx42hz6i37', extension_client_id: 'deadbeefdeadbeefdeadbeefdeadbe',
  organization_id: '9001', campaign_id: 'f0e1d2c3-b4a5-4968-8766-554433221100', benefit_id: 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f',
  entitlement_id: 'fb78259e-fb81-4d1b-8333-34a06ffc24c0', low_trust_status: 'restricted', ban_evasion_evaluation: 'possible',
  message_type: 'text', level: '2', category: 'swearing', group_layout: 'TILED_LAYOUT', state: 'live', slot_id: '1',
};

const NUMBERS = {
  bits: 100, amount: 100, cost: 500, votes: 12, bits_votes: 0, channel_points_votes: 12, channel_points: 500, channel_points_used: 500,
  channel_points_won: 1000, total: 1200, goal: 1800, progress: 1200, level: 2, current_amount: 5000, target_amount: 150000,
  decimal_places: 2, value: 2500, viewers: 42, viewer_count: 42, duration_seconds: 60, duration_months: 1, cumulative_months: 7,
  streak_months: 3, cumulative_total: 12, seconds: 600, max_per_stream: 0, max_per_user_per_stream: 0, global_cooldown: 0,
  amount_per_vote: 10, seconds: 300, start_pos: 0, end_pos: 11, follower_mode_duration_minutes: 10, slow_mode_wait_time_seconds: 30,
  follow_duration_minutes: 10, wait_time_seconds: 30, all_time_high_level: 4, all_time_high_total: 2400, total_participants: 30,
  redemptions_redeemed_current_stream: 3, shard_count: 1, slot_count: 4, host_volume: 100, number_of_subs: 1,
};

const TRUE = new Set(['is_enabled', 'is_in_stock', 'email_verified', 'is_achieved', 'host_video_enabled', 'host_audio_enabled',
  'is_moderator_send_live_enabled', 'is_browser_source_audio_enabled', 'follower_mode', 'is_permanent', 'automatic']);

// Values for particular places, by dotted path (a regular expression).
const PATHS = {
  'event\\.choices\\.0\\.title': 'Any%', 'event\\.choices\\.1\\.title': '100%',
  'event\\.outcomes\\.0\\.title': 'Yes, first try', 'event\\.outcomes\\.1\\.title': 'No way',
  'event\\.outcomes\\.0\\.color': 'blue', 'event\\.outcomes\\.1\\.color': 'pink',
  'event\\.title': 'Speedrunning the new patch',
  'event\\.reward\\.title': 'Hydrate!', 'event\\.reward\\.prompt': 'Remind me to drink water',
  '.*badges\\.\\d+\\.id': '12',
  '.*\\.url_1x': 'https://static-cdn.jtvnw.net/custom-reward-images/default-1.png',
  '.*\\.url_2x': 'https://static-cdn.jtvnw.net/custom-reward-images/default-2.png',
  '.*\\.url_4x': 'https://static-cdn.jtvnw.net/custom-reward-images/default-4.png',
  '.*chat_rules_cited\\.\\d+': 'Rule 1: be kind',
  '.*terms\\.\\d+': 'spoilers',
  '.*types\\.\\d+': 'manually_added',
};

class Gen {
  constructor(reg, opts) {
    this.reg = reg;
    this.fresh = {};
    this.opts = opts;
  }
  at(p) { return p.join('.'); }
  value(node, p, name) {
    const t = resolve(this.reg, node);
    const ov = this.opts.override?.(this.at(p), name);
    if (ov !== undefined) return typeof ov === 'function' ? ov(t) : ov;
    const { t: inner, nullable } = nonNull(t);
    if (nullable && !this.opts.nonNull?.has(this.at(p)) && !this.opts.nonNull?.has(name)) return null;
    return this.concrete(inner, p, name);
  }
  concrete(t, p, name) {
    if (t.k === 'prim' && t.name === 'Date') return this.scalar('string', p, name);
    switch (t.k) {
      case 'lit': return t.v;
      case 'prim': return this.scalar(t.n, p, name);
      case 'union': {
        const lits = literals(t);
        if (lits.length === t.ts.length) {
          const want = this.opts.literal?.[name];
          return want !== undefined && lits.includes(want) ? want : lits[0];
        }
        return this.concrete(t.ts[0], p, name);
      }
      case 'arr': {
        const n = this.opts.count?.(name) ?? 1;
        const out = [];
        for (let i = 0; i < n; i++) out.push(this.value(t.el, [...p, i], singular(name, i)));
        return out;
      }
      case 'tuple': return t.ts.map((x, i) => this.value(x, [...p, i], name));
      case 'obj': return this.object(t, p);
      default: return null;
    }
  }
  object(t, p) {
    const out = {};
    for (const m of t.members) {
      if (m.opt && !this.opts.optional?.(this.at([...p, m.name]), m.name)) continue;
      out[m.name] = this.value(m.type, [...p, m.name], m.name);
    }
    return out;
  }
  scalar(kind, p, name) {
    const at = this.at(p);
    if (kind === 'boolean') return TRUE.has(name);
    if (kind === 'number') return NUMBERS[name] ?? 1;
    if (kind !== 'string') return kind === 'unknown' || kind === 'any' ? {} : null;
    // people
    const person = /^(.*?)_?(id|login|name)$/.exec(name);
    if (person) {
      const role = ROLE[person[1]] ?? (person[1] === '' ? null : undefined);
      if (role) {
        const second = p.some((x) => x === 1);
        const who = PEOPLE[second ? (role === 'broadcaster' ? 'other' : 'gifter') : role];
        if (person[2] === 'id') { this.fresh[at] = `{@${who.entity}}`; return who.id; }
        return person[2] === 'login' ? who.login : who.name;
      }
    }
    if (/_at$/.test(name)) {
      if (FUTURE.has(name)) { this.fresh[at] = timeAt(FUTURE_OFFSET).template; return LATER; }
      this.fresh[at] = '{iso_ms}';
      return NOW;
    }
    const byPath = Object.entries(PATHS).find(([re]) => new RegExp(`^${re}$`).test(at));
    if (byPath) return byPath[1];
    if (name in STRINGS) return STRINGS[name];
    if (name === 'id' || /(^|_)id$/.test(name)) {
      if (p.length <= 2) this.fresh[at] = '{uuid}';
      return uuidFor(at);
    }
    return `example ${name.replace(/_/g, ' ')}`;
  }
}

function singular(name, i) { return name; }

// Stable UUIDs derived from the path, so re-runs write the same files.
function uuidFor(seed) {
  let h = 2166136261n;
  const out = [];
  for (let k = 0; k < 16; k++) {
    for (const c of seed + k) h = ((h ^ BigInt(c.charCodeAt(0))) * 16777619n) & 0xffffffffn;
    out.push(Number(h & 0xffn));
  }
  out[6] = (out[6] & 0x0f) | 0x40;
  out[8] = (out[8] & 0x3f) | 0x80;
  const hex = out.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ------------------------------------------------ per-event adjustments

// Nullable fields that carry a value in the sample (the others are sent as null).
const NON_NULL = new Set([
  'event.cumulative_total', 'event.streak_months', 'event.top_contributions', 'event.last_contribution',
  'event.image', 'event.overall_level', 'event.automod', 'event.reason', 'value', 'seconds', 'event.chat_rules_cited',
  'event.winning_outcome_id', 'event.outcomes.0.top_predictors', 'event.outcomes.1.top_predictors', 'event.resub.streak_months',
  'event.timeout.reason', 'event.user_name', 'event.user_login', 'event.user_id', 'event.emotes', 'event.message',
  'event.follower_mode_duration_minutes', 'event.slow_mode_wait_time_seconds', 'event.redemptions_redeemed_current_stream',
]);

const ARRAY_COUNTS = { choices: 2, outcomes: 2, top_contributions: 2, participants: 2, users: 2, badges: 1 };

function setPerson(ev, fresh, prefix, who) {
  const p = PEOPLE[who];
  ev[`${prefix}_id`] = p.id; ev[`${prefix}_login`] = p.login; ev[`${prefix}_name`] = p.name;
  fresh[`event.${prefix}_id`] = `{@${p.entity}}`;
}

function adjust(type, version, ev, fresh) {
  // per-type values a reader expects to be coherent
  switch (type) {
    case 'channel.poll.begin': case 'channel.poll.progress': case 'channel.poll.end':
      ev.title = 'Which category should we run next?';
      break;
    case 'channel.prediction.begin': case 'channel.prediction.progress': case 'channel.prediction.lock':
      ev.title = 'Will we beat the boss first try?';
      ev.outcomes[1].color = 'pink';
      break;
    case 'channel.shoutout.receive':
      setPerson(ev, fresh, 'from_broadcaster_user', 'other');
      break;
    case 'user.update':
      setPerson(ev, fresh, 'user', 'broadcaster');
      ev.description = 'Speedruns, chill chat and the odd charity stream.';
      break;
    case 'channel.goal.begin': case 'channel.goal.progress': case 'channel.goal.end':
      ev.description = 'Road to 2000 followers'; ev.current_amount = 1840; ev.target_amount = 2000;
      break;
    case 'channel.subscription.gift':
      ev.total = 5; ev.cumulative_total = 12;
      break;
    case 'channel.charity_campaign.progress': case 'channel.charity_campaign.start': case 'channel.charity_campaign.stop':
      ev.target_amount.value = 1500000;
      break;
    case 'channel.channel_points_custom_reward.add': case 'channel.channel_points_custom_reward.update': case 'channel.channel_points_custom_reward.remove':
      ev.title = 'Hydrate!'; ev.prompt = 'Remind me to drink water'; ev.is_user_input_required = false;
      break;
    case 'channel.update':
      ev.content_classification_labels = ['DrugsIntoxication'];
      break;
    case 'channel.raid':
      ev.from_broadcaster_user_id = PEOPLE.broadcaster.id; ev.viewers = 42;
      break;
    case 'channel.chat.message': case 'channel.chat.notification':
      if (ev.message?.fragments) ev.message.fragments = [{ type: 'text', text: ev.message.text, cheermote: null, emote: null, mention: null }];
      break;
    case 'channel.prediction.end':
      ev.title = 'Will we beat the boss first try?';
      ev.outcomes[1].color = 'pink';
      ev.status = 'resolved';
      ev.winning_outcome_id = ev.outcomes[0].id;
      ev.outcomes[0].top_predictors[0].channel_points_won = 1000;
      ev.outcomes[1].top_predictors[0].channel_points_won = 0;
      break;
    case 'stream.online':
      ev.id = '9001'; ev.type = 'live';
      break;
  }
  return ev;
}

// -------------------------------------------- types twurple does not model

function personFields(prefix, who) {
  const p = PEOPLE[who];
  return { [`${prefix}_id`]: p.id, [`${prefix}_login`]: p.login, [`${prefix}_name`]: p.name };
}
const SUPPLEMENT = [
  {
    type: 'conduit.shard.disabled', version: '1', condition: { client_id: STRINGS.client_id, conduit_id: 'bfcfc993-26b1-b876-44d9-afe75a379dac' },
    event: {
      conduit_id: 'bfcfc993-26b1-b876-44d9-afe75a379dac', shard_id: '4', status: 'websocket_disconnected',
      transport: { method: 'websocket', session_id: 'ad1c9fc3-0d99-4eb7-8a04-8608e8ff9ec9', connected_at: '2025-11-24T15:40:00.000Z', disconnected_at: NOW },
    },
  },
  {
    type: 'channel.guest_star_session.begin', version: 'beta', condition: { broadcaster_user_id: PEOPLE.broadcaster.id, moderator_user_id: PEOPLE.broadcaster.id },
    event: { ...personFields('broadcaster_user', 'broadcaster'), session_id: '2KFRQbFtpmfyD3IevNRnCzOPRJI', started_at: NOW },
  },
  {
    type: 'channel.guest_star_session.end', version: 'beta', condition: { broadcaster_user_id: PEOPLE.broadcaster.id, moderator_user_id: PEOPLE.broadcaster.id },
    event: {
      ...personFields('broadcaster_user', 'broadcaster'), session_id: '2KFRQbFtpmfyD3IevNRnCzOPRJI', started_at: '2025-11-24T15:00:00.000Z', ended_at: NOW,
      ...personFields('host_user', 'broadcaster'),
    },
  },
  {
    type: 'channel.guest_star_guest.update', version: 'beta', condition: { broadcaster_user_id: PEOPLE.broadcaster.id, moderator_user_id: PEOPLE.broadcaster.id },
    event: {
      ...personFields('broadcaster_user', 'broadcaster'), session_id: '2KFRQbFtpmfyD3IevNRnCzOPRJI', ...personFields('moderator_user', 'moderator'),
      ...personFields('guest_user', 'other'), slot_id: '1', state: 'live', ...personFields('host_user', 'broadcaster'),
      host_video_enabled: true, host_audio_enabled: true, host_volume: 100,
    },
  },
  {
    type: 'channel.guest_star_settings.update', version: 'beta', condition: { broadcaster_user_id: PEOPLE.broadcaster.id, moderator_user_id: PEOPLE.broadcaster.id },
    event: {
      ...personFields('broadcaster_user', 'broadcaster'), is_moderator_send_live_enabled: true, slot_count: 4,
      is_browser_source_audio_enabled: true, group_layout: 'TILED_LAYOUT',
    },
  },
];

// channel.moderate v1: v2's payload without the warn action (added in v2).
const DERIVED = [{ type: 'channel.moderate', version: '1', from: '2', drop: ['warn'] }];

// ----------------------------------------------------------- descriptions

const DESCRIPTIONS = {
  'automod.message.hold': 'AutoMod held a chat message for a moderator to review.',
  'automod.message.update': 'A moderator approved or denied a message AutoMod held.',
  'automod.settings.update': "The channel's AutoMod settings changed.",
  'automod.terms.update': "A moderator changed the channel's blocked or permitted terms.",
  'channel.ad_break.begin': 'An ad break started on the channel.',
  'channel.ban': 'A viewer was banned (or timed out) from the channel.',
  'channel.bits.use': 'A viewer spent Bits in the channel (a cheer or a Power-up).',
  'channel.channel_points_automatic_reward_redemption.add': 'A viewer redeemed an automatic Channel Points reward.',
  'channel.channel_points_custom_reward.add': 'The broadcaster created a custom Channel Points reward.',
  'channel.channel_points_custom_reward.remove': 'The broadcaster deleted a custom Channel Points reward.',
  'channel.channel_points_custom_reward.update': 'The broadcaster edited a custom Channel Points reward.',
  'channel.channel_points_custom_reward_redemption.add': 'A viewer redeemed a custom Channel Points reward.',
  'channel.channel_points_custom_reward_redemption.update': 'A custom reward redemption was fulfilled or canceled.',
  'channel.charity_campaign.donate': 'A viewer donated to the channel\'s charity campaign.',
  'channel.charity_campaign.progress': "The charity campaign's total raised changed.",
  'channel.charity_campaign.start': 'The broadcaster started a charity campaign.',
  'channel.charity_campaign.stop': 'The broadcaster stopped the charity campaign.',
  'channel.chat.clear': 'A moderator cleared all messages in the chat room.',
  'channel.chat.clear_user_messages': "A moderator cleared one user's messages from chat.",
  'channel.chat.message': 'A user sent a message in the chat room.',
  'channel.chat.message_delete': 'A moderator deleted one chat message.',
  'channel.chat.notification': 'A chat notice was shown: here a resubscription with its message.',
  'channel.chat.user_message_hold': "The user's chat message was held by AutoMod.",
  'channel.chat.user_message_update': "AutoMod's hold on the user's message was approved or denied.",
  'channel.chat_settings.update': 'The chat room settings changed (slow mode, followers-only, ...).',
  'channel.cheer': 'A viewer cheered Bits in the channel.',
  'channel.follow': 'A viewer followed the channel.',
  'channel.goal.begin': 'The broadcaster started a creator goal.',
  'channel.goal.end': 'A creator goal ended.',
  'channel.goal.progress': 'A creator goal made progress.',
  'channel.hype_train.begin': 'A Hype Train started.',
  'channel.hype_train.end': 'A Hype Train ended.',
  'channel.hype_train.progress': 'A Hype Train made progress.',
  'channel.moderate': 'A moderator acted in the channel: here a timeout.',
  'channel.moderator.add': 'The broadcaster made a user a moderator.',
  'channel.moderator.remove': "The broadcaster removed a user's moderator role.",
  'channel.poll.begin': 'A poll started.',
  'channel.poll.end': 'A poll ended.',
  'channel.poll.progress': 'Viewers voted in a running poll.',
  'channel.prediction.begin': 'A prediction started.',
  'channel.prediction.end': 'A prediction was resolved.',
  'channel.prediction.lock': 'A prediction stopped taking predictions.',
  'channel.prediction.progress': 'Viewers made predictions in a running prediction.',
  'channel.raid': 'The broadcaster raided another channel.',
  'channel.shared_chat.begin': 'The channel joined a shared chat session.',
  'channel.shared_chat.end': 'The channel left a shared chat session.',
  'channel.shared_chat.update': 'The shared chat session\'s participants changed.',
  'channel.shield_mode.begin': 'A moderator turned Shield Mode on.',
  'channel.shield_mode.end': 'A moderator turned Shield Mode off.',
  'channel.shoutout.create': 'A moderator sent a shoutout to another broadcaster.',
  'channel.shoutout.receive': 'The broadcaster received a shoutout from another channel.',
  'channel.subscribe': 'A viewer subscribed to the channel.',
  'channel.subscription.end': 'A subscription to the channel ended.',
  'channel.subscription.gift': 'A viewer gifted subscriptions to the community.',
  'channel.subscription.message': 'A viewer shared a resubscription message in chat.',
  'channel.suspicious_user.message': 'A user marked as suspicious sent a chat message.',
  'channel.suspicious_user.update': "A moderator changed a suspicious user's status.",
  'channel.unban': 'A viewer was unbanned.',
  'channel.unban_request.create': 'A banned user asked to be unbanned.',
  'channel.unban_request.resolve': 'A moderator approved or denied an unban request.',
  'channel.update': 'The broadcaster changed the title, category, language or labels.',
  'channel.vip.add': 'The broadcaster made a user a VIP.',
  'channel.vip.remove': "The broadcaster removed a user's VIP status.",
  'channel.warning.acknowledge': 'A warned user acknowledged the warning.',
  'channel.warning.send': 'A moderator warned a user in chat.',
  'drop.entitlement.grant': 'A viewer was granted a Drop entitlement.',
  'extension.bits_transaction.create': 'A viewer bought an extension product with Bits.',
  'stream.offline': 'The broadcaster stopped streaming.',
  'stream.online': 'The broadcaster went live.',
  'user.authorization.grant': 'A user authorized the app.',
  'user.authorization.revoke': "A user revoked the app's authorization.",
  'user.update': 'A user changed their account (display name, description, email).',
  'user.whisper.message': 'The user received a whisper.',
  'conduit.shard.disabled': "EventSub disabled a conduit shard because its transport went away.",
  'channel.guest_star_session.begin': 'A Guest Star session started.',
  'channel.guest_star_session.end': 'A Guest Star session ended.',
  'channel.guest_star_guest.update': 'A guest or slot changed in a Guest Star session.',
  'channel.guest_star_settings.update': "The host changed their Guest Star settings.",
};

// ---------------------------------------------------------------- output

function conditionFor(keys) {
  const values = {
    broadcaster_user_id: PEOPLE.broadcaster.id, moderator_user_id: PEOPLE.broadcaster.id, user_id: PEOPLE.broadcaster.id,
    from_broadcaster_user_id: PEOPLE.broadcaster.id, to_broadcaster_user_id: PEOPLE.other.id, reward_id: '',
    client_id: STRINGS.client_id, extension_client_id: STRINGS.extension_client_id, organization_id: STRINGS.organization_id,
    category_id: STRINGS.category_id, campaign_id: STRINGS.campaign_id,
  };
  return Object.fromEntries(keys.map((k) => [k, values[k] ?? '']));
}

function envelope(type, version, condition, event, status = 'enabled') {
  const body = {
    subscription: {
      id: 'f1c2a387-161a-49f9-a165-0f21d7a4e1c4', status, type, version, cost: 0, condition,
      transport: { method: 'webhook', callback: 'https://example.com/webhooks/twitch' },
      created_at: '2025-11-24T15:00:00.634234626Z',
    },
  };
  if (event !== undefined) body.event = event;
  return body;
}

function conditionFresh(condition) {
  const fresh = {};
  for (const [k, v] of Object.entries(condition)) {
    for (const who of Object.values(PEOPLE)) if (v === who.id) fresh[`subscription.condition.${k}`] = `{@${who.entity}}`;
  }
  return fresh;
}

function fixture(name, type, version, description, source, body, eventFresh, primary) {
  const f = {
    event: name,
    description,
    source,
  };
  if (primary) f.primary = true;
  Object.assign(f, {
    content_type: 'application/json',
    style: 'compact',
    headers: {
      'Twitch-Eventsub-Message-Type': 'notification',
      'Twitch-Eventsub-Subscription-Type': type,
      'Twitch-Eventsub-Subscription-Version': version,
    },
    fresh: { 'subscription.id': '{@subscription}', ...conditionFresh(body.subscription.condition), ...eventFresh },
    body,
  });
  return f;
}

function main() {
  const reg = readDeclarations(dtsFiles(path.join(baseDir, 'lib')));
  const subs = subscriptions();
  const entries = [];
  for (const s of subs) {
    const gen = new Gen(reg, {
      nonNull: NON_NULL,
      count: (name) => ARRAY_COUNTS[name],
      literal: { status: 'fulfilled', type: 'text', action: 'timeout', notice_type: 'resub', tier: '1000', level: 2, overall_level: 2, low_trust_status: 'active_monitoring' },
      optional: () => true,
    });
    let event;
    const u = UNIONS[s.type];
    if (u) {
      const t = resolve(reg, { k: 'ref', name: u.type, args: [] });
      const alts = t.ts;
      const exact = (a) => a.members.some((m) => m.name === u.key && JSON.stringify(literals(resolve(reg, m.type))) === JSON.stringify([u.pick]));
      const chosen = alts.find(exact);
      if (!chosen) throw new Error(`${s.type}: no variant ${u.pick}`);
      event = gen.object(chosen, ['event']);
      event[u.key] = u.pick;
      const keys = new Set(Object.keys(event));
      for (const a of alts) for (const m of a.members) if (!keys.has(m.name)) { event[m.name] = null; keys.add(m.name); }
    } else {
      const t = resolve(reg, { k: 'ref', name: s.dataType, args: [] });
      if (t.k !== 'obj') throw new Error(`${s.type}: ${s.dataType} is ${t.k}`);
      event = gen.object(t, ['event']);
    }
    adjust(s.type, s.version, event, gen.fresh);
    applyTimes(s.type, event, gen.fresh);
    entries.push({ type: s.type, version: s.version, condition: conditionFor(s.conditionKeys), event, fresh: gen.fresh, source: SOURCE });
  }
  for (const d of DERIVED) {
    const base = entries.find((e) => e.type === d.type && e.version === d.from);
    const event = JSON.parse(JSON.stringify(base.event));
    for (const k of d.drop) delete event[k];
    const fresh = Object.fromEntries(Object.entries(base.fresh).filter(([p]) => !d.drop.some((k) => p.startsWith(`event.${k}.`))));
    entries.push({ type: d.type, version: d.version, condition: base.condition, event, fresh, source: `${SOURCE}; v${d.version} = v${d.from} without ${d.drop.join(', ')} (Twitch's reference)` });
  }
  for (const s of SUPPLEMENT) {
    const fresh = {};
    for (const [k, v] of Object.entries(s.event)) {
      for (const who of Object.values(PEOPLE)) if (v === who.id) fresh[`event.${k}`] = `{@${who.entity}}`;
      if (v === NOW) fresh[`event.${k}`] = '{iso_ms}';
    }
    if (s.event.transport?.disconnected_at) fresh['event.transport.disconnected_at'] = '{iso_ms}';
    applyTimes(s.type, s.event, fresh);
    entries.push({ type: s.type, version: s.version, condition: s.condition, event: s.event, fresh, source: DOCS_SOURCE });
  }

  // The newest version of a type keeps the bare name; older ones are TYPE@VERSION.
  const newest = {};
  const rank = (v) => (v === 'beta' ? 0.5 : Number(v));
  for (const e of entries) if (!(e.type in newest) || rank(e.version) > rank(newest[e.type])) newest[e.type] = e.version;

  fs.mkdirSync(OUT, { recursive: true });
  for (const f of fs.readdirSync(OUT)) if (f.endsWith('.json')) fs.unlinkSync(path.join(OUT, f));
  const written = [];
  for (const e of entries.sort((a, b) => (a.type + a.version).localeCompare(b.type + b.version))) {
    const name = e.version === newest[e.type] ? e.type : `${e.type}@${e.version}`;
    const desc = DESCRIPTIONS[e.type] ?? (() => { throw new Error(`no description for ${e.type}`); })();
    const description = name === e.type ? desc : `${desc.replace(/\.$/, '')} (version ${e.version} payload).`;
    const f = fixture(name, e.type, e.version, description, e.source, envelope(e.type, e.version, e.condition, e.event), e.fresh, false);
    write(path.join(OUT, `${name}.json`), f);
    written.push({ event: name, type: e.type, version: e.version });
  }
  // The handshake and the revocation: message types, not subscription types.
  const follow = entries.find((e) => e.type === 'channel.follow');
  write(path.join(OUT, 'webhook_callback_verification.json'), {
    event: 'webhook_callback_verification',
    description: "Twitch checks a new subscription's callback: it must answer with the raw challenge.",
    source: SOURCE,
    content_type: 'application/json',
    style: 'compact',
    headers: { 'Twitch-Eventsub-Message-Type': 'webhook_callback_verification', 'Twitch-Eventsub-Subscription-Type': 'channel.follow', 'Twitch-Eventsub-Subscription-Version': follow.version },
    fresh: { challenge: '{alnum:8}-{alnum:8}-{alnum:8}-{alnum:8}', 'subscription.id': '{@subscription}', ...conditionFresh(envelope('x', '1', follow.condition).subscription.condition) },
    body: { challenge: 'pogchamp-kappa-360noscope-vohiyo', ...envelope('channel.follow', follow.version, follow.condition, undefined, 'webhook_callback_verification_pending') },
  });
  write(path.join(OUT, 'revocation.json'), {
    event: 'revocation',
    description: 'Twitch revoked a subscription (here: the user took back the authorization it needs).',
    source: SOURCE,
    content_type: 'application/json',
    style: 'compact',
    headers: { 'Twitch-Eventsub-Message-Type': 'revocation', 'Twitch-Eventsub-Subscription-Type': 'channel.follow', 'Twitch-Eventsub-Subscription-Version': follow.version },
    fresh: { 'subscription.id': '{@subscription}', ...conditionFresh(envelope('x', '1', follow.condition).subscription.condition) },
    body: envelope('channel.follow', follow.version, follow.condition, undefined, 'authorization_revoked'),
  });
  write(path.join(OUT, '_entities.json'), {
    subscription: '{uuid}',
    broadcaster: '{digits:9}',
    user: '{digits:9}',
    moderator: '{digits:9}',
    other_broadcaster: '{digits:9}',
    gifter: '{digits:9}',
  });
  fs.mkdirSync(DATA, { recursive: true });
  write(path.join(DATA, 'subscriptions.json'), {
    source: `${SOURCE}; supplement: ${DOCS_SOURCE.split(';')[0]}`,
    note: 'Every EventSub subscription type and version; `event` is the fixture name (TYPE for the newest version, TYPE@VERSION for older ones).',
    subscriptions: written,
  });
  console.log(`${written.length} subscription fixtures (+ verification, revocation) from ${SOURCE}`);
}

function write(file, obj) {
  fs.writeFileSync(file, JSON.stringify(obj, null, 2) + '\n');
}

main();
