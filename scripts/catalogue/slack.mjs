// Slack catalogue: writes fixtures/slack/*.json (every Events API event
// @slack/types declares, message subtypes included; every interactivity
// payload and the slash command @slack/bolt types) and
// tests/data/slack/events.json (the list the coverage test holds the
// fixtures to).
//
// Input: the typings of @slack/types (one interface per Events API event,
// the `SlackEvent` union) and @slack/bolt (the `event_callback` envelope,
// interactivity payloads, slash commands).
//
// Run (node 20, no dependencies), from the repository root:
//   mkdir -p /tmp/slack && cd /tmp/slack
//   npm pack @slack/types@3.2.0 @slack/bolt@5.1.0
//   mkdir types bolt
//   tar xzf slack-types-3.2.0.tgz -C types
//   tar xzf slack-bolt-5.1.0.tgz -C bolt
//   node scripts/catalogue/slack.mjs /tmp/slack/types/package /tmp/slack/bolt/package
// Same input, same files.
//
// Naming: hookcli reads an Events API delivery's event type from
// `event.type`; message subtypes are named `message.SUBTYPE`
// (message.bot_message, message.message_changed, ...), which needs the
// provider to read `event.subtype` for messages (see tests/data/slack/README.md).

import fs from 'node:fs';
import path from 'node:path';
import { dtsFiles, readDeclarations, resolve, nonNull, literals } from './tsdecl.mjs';

const [typesDir, boltDir] = process.argv.slice(2);
if (!typesDir || !boltDir) {
  console.error('usage: node scripts/catalogue/slack.mjs SLACK_TYPES_PACKAGE_DIR SLACK_BOLT_PACKAGE_DIR');
  process.exit(2);
}
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const OUT = path.join(ROOT, 'fixtures/slack');
const DATA = path.join(ROOT, 'tests/data/slack');
const typesPkg = JSON.parse(fs.readFileSync(path.join(typesDir, 'package.json'), 'utf8'));
const boltPkg = JSON.parse(fs.readFileSync(path.join(boltDir, 'package.json'), 'utf8'));
const TYPES_SRC = `${typesPkg.name}@${typesPkg.version}`;
const BOLT_SRC = `${boltPkg.name}@${boltPkg.version}`;

// ------------------------------------------------------------ the cast
// Static values in the bodies; each is also an entity (fixtures/slack/_entities.json),
// so a send gets fresh ids that agree wherever the same thing appears.
const ID = {
  team: 'T08F3K2QZ1R', other_team: 'T07KD2M9XQ4', enterprise: 'E08F1Q7WZ3A', app: 'A08F3M7XK4P', bot: 'B08F3N5BT7Q',
  bot_user: 'U08F3N5BV2C', user: 'U08E7JR0S9D', other_user: 'U08G2LX4P7K', channel: 'C08F2W6LH3T', other_channel: 'C08H5RT1N2B',
  dm: 'D08F4A2KCQ1', file: 'F08F9M3D2QT', subteam: 'S08F5HZ2M1V', view: 'V08F6QW2R9J', workflow: 'Wf08F7KX1M2Q',
};
const ENTITY_TEMPLATES = {
  team: 'T{ALNUM:10}', other_team: 'T{ALNUM:10}', enterprise: 'E{ALNUM:10}', app: 'A{ALNUM:10}', bot: 'B{ALNUM:10}',
  bot_user: 'U{ALNUM:10}', user: 'U{ALNUM:10}', other_user: 'U{ALNUM:10}', channel: 'C{ALNUM:10}', other_channel: 'C{ALNUM:10}',
  dm: 'D{ALNUM:10}', file: 'F{ALNUM:10}', subteam: 'S{ALNUM:10}', view: 'V{ALNUM:10}', workflow: 'Wf{ALNUM:10}',
  message_ts: '{unix}.{digits:6}', thread_ts: '{unix}.{digits:6}',
};
// Timestamps: the event's own (fresh at every send), the message it is about,
// the thread that message is in.
const TS = { now: '1764013200.123459', message: '1764013140.000200', thread: '1764012900.000100' };
const UNIX = 1764013200;
const TOKEN = 'kX3vQ8sLm2Rz7TnW4yBp9GdC';
const DOMAIN = 'example-workspace';

// ------------------------------------------------------ value synthesis

const WORDS = {
  text: 'Deploy finished :white_check_mark:', title: 'Deploy checklist', description: 'Everyone on call for the api service',
  real_name: 'Jenny Rosen', real_name_normalized: 'Jenny Rosen', display_name: 'jenny', display_name_normalized: 'jenny',
  first_name: 'Jenny', last_name: 'Rosen', email: 'jenny.rosen@example.com', handle: 'oncall', phone: '', skype: '', status_text: '',
  status_text_canonical: '', status_emoji: '', avatar_hash: 'g8f3a2b1c4d5', color: '9f69e7', tz: 'America/Los_Angeles',
  tz_label: 'Pacific Standard Time', locale: 'en-US', who_can_share_contact_card: 'EVERYONE', domain: DOMAIN, url: `https://${DOMAIN}.slack.com/`,
  reaction: 'tada', channel_type: 'channel', mimetype: 'image/png', filetype: 'png', pretty_type: 'PNG', mode: 'hosted',
  permalink: `https://${DOMAIN}.slack.com/files/${ID.user}/${ID.file}/deploy-graph.png`, email_domain: 'example.com',
  callback_id: 'deploy_approval', trigger_id: '8034127754978.814567302185.4b0f3f2e8c1a9d7e6b5a4c3d2e1f0a9b', user_locale: 'en-US',
  message: 'Could we install the deploy bot?', purpose: 'Deploy announcements', topic: 'Deploys: ask in thread',
  external_unique_id: 'call-2f8a1c9e', call_id: 'R08F8LQ4K2M', minute_rate_limited: UNIX - (UNIX % 60),
  event_type: 'deploy_finished', invite_type: 'full_member', request_reason: 'Joining the platform team',
  status: 'approved', value: ':party-parrot:', timezone: 'America/Los_Angeles', entity_url: 'https://example.com/tickets/42',
  bot_access_token: 'xwfp-8034127791010-814567302185-4b0f3f2e8c1a9d7e6b5a4c3d', title_text: 'Deploy checklist',
  external_id: '', hash: '1764013200.ZkKVx9RZ', private_metadata: '', source: 'conversations_history', unfurl_id: 'C08F2W6LH3T.1764013140.000200.a5f6',
  help_url: 'https://example.com/help', privacy_policy_url: 'https://example.com/privacy', app_homepage_url: 'https://example.com',
  app_directory_url: `https://${DOMAIN}.slack.com/apps/${ID.app}-deploy-bot`, additional_info: '', icon_emoji: '', tab: 'home',
  workflow_step_execute_id: '8034127791010.814567302185.ab12cd34', workflow_instance_id: '8034127791011', step_id: 'step_1',
  version_id: '8034127791012', label: 'Deploy ticket', function_execution_id: 'Fx08F9M3D2QT', workflow_execution_id: 'Wx08F9M3D2QT',
  old_name: 'deploys-old', new_name: 'deploys', comment: 'Fc08F9M3D2QT', cache_ts: UNIX,
  token: TOKEN, app_name: 'Deploy Bot', team_domain: DOMAIN, previous_title: 'New chat', external_type: '', app_unfurl_url: 'https://example.com/tickets/42',
  pin_count: '1', huddle_state: 'default_unset', channel_name: 'deploys', invite_id: 'I08F9M3D2QT', avatar_base_url: 'https://ca.slack-edge.com/T08F3K2QZ1R-',
  workflow_step_id: 'Ws08F9M3D2QT', recipient_email: 'sam@partner.example', presence: 'active',
};
// string arrays, by field name
const LISTS = {
  channel_ids: [ID.channel], requester_ids: [ID.user], reply_users: [ID.other_user], users: [ID.user, ID.other_user], added_users: [ID.other_user],
  removed_users: [], channels: [ID.channel], groups: [], pinned_to: [ID.channel], x_files: [ID.file], teams: [ID.team],
};

// The value of a field from its name and where it sits.
function named(name, parent, at) {
  const up = parent ?? '';
  switch (name) {
    case 'team': case 'team_id': case 'user_team': case 'source_team': case 'context_team_id': case 'approving_team_id':
      return ID.team;
    case 'connected_team_id': case 'previously_connected_team_id': case 'declining_team_id':
      return ID.other_team;
    case 'enterprise_id': case 'enterprise': return ID.enterprise;
    case 'app_id': case 'api_app_id': return ID.app;
    case 'bot_id': return ID.bot;
    case 'user': case 'user_id': case 'created_by': case 'pinned_by': case 'actor_id': case 'inviter': case 'creator':
    case 'app_owner_id': case 'updated_by': case 'recipient_user_id': case 'selected_user':
      return up === 'item' ? ID.user : ID.user;
    case 'item_user': case 'parent_user_id': return ID.other_user;
    case 'channel': case 'channel_id': case 'linked_channel_id': case 'new_channel_id': case 'selected_channel': case 'selected_conversation':
      return ID.channel;
    case 'old_channel_id': return ID.other_channel;
    case 'file_id': return ID.file;
    case 'subteam_id': return ID.subteam;
    case 'workflow_id': return ID.workflow;
    case 'ts': case 'event_ts': case 'action_ts': case 'latest': case 'pinned_ts':
      return TS.now;
    case 'message_ts': case 'deleted_ts': case 'streaming_message_ts': return TS.message;
    case 'thread_ts': case 'latest_reply': return TS.thread;
    case 'client_msg_id': return '3a9f1e7c-5d2b-4c8e-a6f0-7b1d9e2c4a58';
    case 'title':
      if (up === 'profile') return 'Site Reliability Engineer';
      if (up === 'files') return 'deploy-graph.png';
      return 'Deploy checklist';
    case 'type':
      if (up === 'item') return 'message';
      if (up === 'input_parameters' || up === 'output_parameters' || up === 'outputs' || up === 'function') return 'slack#/types/string';
      return 'message';
    case 'name':
      if (up === 'channel') return 'deploys';
      if (up === 'user' || up === 'accepting_user' || up === 'approving_user' || up === 'declining_user' || up === 'inviting_user' || up === 'actor') return 'jenny.rosen';
      if (up === 'app' || up === 'bot_profile') return 'Deploy Bot';
      if (up === 'team' || up === 'inviting_team' || up === 'teams_in_channel') return 'Example Workspace';
      if (up === 'subteam') return 'On-call';
      if (up === 'files') return 'deploy-graph.png';
      if (up === 'scopes') return 'chat:write';
      return 'deploy';
    case 'username': return up === 'user' ? 'jenny.rosen' : 'deploybot';
    case 'id':
      if (up === 'channel' || up === 'channels') return ID.channel;
      if (up === 'user' || /_user$/.test(up) || up === 'actor') return ID.user;
      if (up === 'team' || /_team$/.test(up) || up === 'teams_in_channel') return ID.team;
      if (up === 'app') return ID.app;
      if (up === 'bot_profile') return ID.bot;
      if (up === 'file' || up === 'files') return ID.file;
      if (up === 'subteam') return ID.subteam;
      if (up === 'view') return ID.view;
      if (up === 'enterprise' || up === 'enterprise_user') return ID.enterprise;
      if (up === 'invite') return 'I08F9M3D2QT';
      if (up === 'app_request') return 'Ar08F9M3D2QT';
      if (up === 'invite_request') return 'Ir08F9M3D2QT';
      if (up === 'function') return 'Fn08F9M3D2QT';
      return 'X08F9M3D2QT';
  }
  if (/^image_\d+$|^image_original$|^thumb_\d+$|^thumb_\d+_gif$|^thumb_tiny$|^thumb_pdf$|^thumb_video$|^deanimate_gif$/.test(name)) {
    return `https://avatars.slack-edge.com/2025-11-24/8034127791010_a1b2c3d4e5f6_${name.replace(/^(image|thumb)_/, '')}.png`;
  }
  if (/^url_private(_download)?$|^permalink_public$|^edit_link$/.test(name)) return `https://files.slack.com/files-pri/${ID.team}-${ID.file}/deploy-graph.png`;
  if (name === 'response_url') return `https://hooks.slack.com/actions/${ID.team}/8034127791010/Zp4QxW8rT2nLk6VbM9sYc1Ha`;
  if (name in WORDS) return WORDS[name];
  return undefined;
}

const NUMBERS = {
  created: UNIX - 86400, date_created: UNIX - 86400, date_create: UNIX - 86400, date_update: UNIX, date_previous_update: UNIX - 3600,
  date_deleted: 0, date_delete: 0, date_expire: UNIX + 86400 * 14, date_invalid: UNIX + 86400 * 14, updated: UNIX - 3600, timestamp: UNIX,
  size: 48213, tz_offset: -28800, status_expiration: 0, user_count: 4, channel_count: 1, reply_count: 1, reply_users_count: 1,
  count: 1, pinned_ts: UNIX, next_dnd_start_ts: UNIX + 3600 * 8, next_dnd_end_ts: UNIX + 3600 * 16, snooze_endtime: 0, snooze_remaining: 0,
  original_w: 1200, original_h: 800, thumb_360_w: 360, thumb_360_h: 240, image_exif_rotation: 1, added_users_count: 1, removed_users_count: 0,
  channel_date_created: UNIX - 86400 * 30, channel_message_latest_counted_timestamp: UNIX, cache_ts: UNIX, minute_rate_limited: UNIX - (UNIX % 60),
  is_moved: 0, pin_count: 1, date_created_function: UNIX, date_updated: UNIX, huddle_state_expiration_ts: 0,
};
// Number fields that are times (Unix seconds): each one that is set (0 means
// none) is fresh at every send as now plus its offset from UNIX, so a pending
// invite expires in 14 days from the send and a do-not-disturb window starts
// later today, never before the event. (minute_rate_limited stays: it is the
// start of a minute.)
const TIME_NUMBERS = new Set(['created', 'date_created', 'date_create', 'date_update', 'date_updated', 'date_previous_update',
  'date_expire', 'date_invalid', 'updated', 'timestamp', 'pinned_ts', 'next_dnd_start_ts', 'next_dnd_end_ts', 'channel_date_created',
  'channel_message_latest_counted_timestamp', 'cache_ts', 'date_created_function', 'huddle_state_expiration_ts', 'status_expiration',
  'snooze_endtime', 'date_deleted', 'date_delete']);

const TRUE = new Set(['is_channel', 'is_member', 'is_usergroup', 'editable', 'is_email_confirmed', 'hidden', 'is_verified',
  'display_as_bot_false', 'is_bot_user_member', 'is_granular_bot_app', 'is_app_directory_approved', 'upload', 'is_subteam', 'auto_provision_false']);

class Gen {
  constructor(reg, optional) { this.reg = reg; this.optional = optional; }
  value(node, p, name, parent) {
    const t = resolve(this.reg, node);
    const { t: inner, nullable } = nonNull(t);
    if (inner.k === 'prim' && inner.n === 'undefined') return undefined;
    void nullable;
    return this.concrete(inner, p, name, parent);
  }
  concrete(t, p, name, parent) {
    switch (t.k) {
      case 'lit': return t.v;
      case 'prim': {
        if (t.n === 'undefined' || t.n === 'never') return undefined;
        const v = named(name, parent, p);
        if (t.n === 'string') return typeof v === 'string' ? v : `example ${String(name).replace(/_/g, ' ')}`;
        if (t.n === 'number') return typeof v === 'number' ? v : NUMBERS[name] ?? 1;
        if (t.n === 'boolean') return TRUE.has(name);
        return {};
      }
      case 'union': {
        const lits = literals(t);
        if (lits.length === t.ts.length) return lits[0];
        // prefer an object alternative over string/[] (e.g. profile.fields)
        const obj = t.ts.find((x) => x.k === 'obj' && x.members.length);
        return this.concrete(obj ?? t.ts[0], p, name, parent);
      }
      case 'arr': {
        if (name === 'blocks') return blocksFor(WORDS.text);
        if (name in LISTS) return [...LISTS[name]];
        const v = this.value(t.el, [...p, 0], name, name);
        return v === undefined ? [] : [v];
      }
      case 'tuple': return t.ts.map((x, i) => this.value(x, [...p, i], name, name));
      case 'obj': {
        if (t.from === 'View' || t.from === 'HomeView' || t.from === 'ViewOutput') return this.view(t, p);
        return this.object(t, p, name);
      }
      default: return null;
    }
  }
  object(t, p, selfName) {
    const out = {};
    for (const m of t.members) {
      const at = [...p, m.name];
      if (m.opt && !this.optional(at.join('.'))) continue;
      const v = this.value(m.type, at, m.name, selfName);
      if (v !== undefined) out[m.name] = v;
    }
    return out;
  }
  view(t, p) {
    return homeView();
  }
}

function blocksFor(text, mention) {
  const elements = [];
  if (mention) elements.push({ type: 'user', user_id: mention });
  const m = /^(.*?)(?: ?:([a-z_]+):)?$/.exec(text);
  elements.push({ type: 'text', text: mention ? ` ${m[1]}` : m[1] + (m[2] ? ' ' : '') });
  if (m[2]) elements.push({ type: 'emoji', name: m[2], unicode: m[2] === 'white_check_mark' ? '2705' : '1f389' });
  return [{ type: 'rich_text', block_id: 'Hq3nP', elements: [{ type: 'rich_text_section', elements }] }];
}

function homeView() {
  return {
    id: ID.view, team_id: ID.team, type: 'home',
    blocks: [{ type: 'section', block_id: 'welcome', text: { type: 'mrkdwn', text: '*Deploys this week:* 12', verbatim: false } }],
    private_metadata: '', callback_id: 'home', state: { values: {} }, hash: WORDS.hash, title: { type: 'plain_text', text: 'View Title', emoji: true },
    clear_on_close: false, notify_on_close: false, close: null, submit: null, previous_view_id: null, root_view_id: ID.view,
    app_id: ID.app, external_id: '', app_installed_team_id: ID.team, bot_id: ID.bot,
  };
}

// ------------------------------------- which optional fields a sample carries
// Paths are relative to the event (or the interactivity payload); `*` = all.
const OPTIONAL = {
  message: ['team', 'text', 'blocks', 'client_msg_id'],
  'message.bot_message': ['username', 'blocks'],
  'message.file_share': ['files', 'upload', 'display_as_bot', 'blocks', 'files.0.url_private', 'files.0.url_private_download', 'files.0.thumb_64', 'files.0.thumb_360', 'files.0.thumb_360_w', 'files.0.thumb_360_h', 'files.0.original_w', 'files.0.original_h', 'files.0.permalink_public'],
  'message.thread_broadcast': ['blocks', 'thread_ts', 'root.team', 'root.text', 'root.blocks', 'root.client_msg_id'],
  'message.message_changed': ['message.team', 'message.text', 'message.edited', 'message.client_msg_id', 'message.blocks', 'previous_message.team', 'previous_message.text', 'previous_message.client_msg_id', 'previous_message.blocks'],
  'message.message_deleted': ['previous_message.team', 'previous_message.text', 'previous_message.client_msg_id', 'previous_message.blocks'],
  'message.message_replied': ['message.team', 'message.text', 'message.client_msg_id', 'message.thread_ts'],
  app_mention: ['user', 'team', 'blocks', 'client_msg_id'],
  app_home_opened: ['tab', 'view'],
  app_requested: ['app_request.app.icons', 'app_request.app.icons.image_32', 'app_request.app.icons.image_72', 'app_request.app.icons.image_original'],
  member_joined_channel: ['inviter'],
  link_shared: ['unfurl_id', 'source'],
  emoji_changed: ['name', 'value'],
  file_deleted: ['channel_ids'],
  tokens_revoked: ['tokens.oauth', 'tokens.bot'],
  subteam_created: ['subteam.team_id', 'subteam.description', 'subteam.date_update', 'subteam.date_delete', 'subteam.updated_by', 'subteam.prefs', 'subteam.prefs.channels', 'subteam.prefs.groups', 'subteam.channel_count'],
  subteam_updated: ['subteam.team_id', 'subteam.description', 'subteam.date_update', 'subteam.date_delete', 'subteam.updated_by', 'subteam.prefs', 'subteam.prefs.channels', 'subteam.prefs.groups', 'subteam.channel_count'],
  subteam_members_changed: ['added_users', 'added_users_count', 'removed_users', 'removed_users_count'],
  entity_details_requested: ['message_ts', 'channel', 'external_ref', 'app_unfurl_url'],
  agent_session_title_changed: ['previous_title'],
  assistant_thread_started: ['assistant_thread.context.channel_id', 'assistant_thread.context.team_id', 'assistant_thread.context.enterprise_id'],
  assistant_thread_context_changed: ['assistant_thread.context.channel_id', 'assistant_thread.context.team_id', 'assistant_thread.context.enterprise_id'],
  pin_added: ['item.message', 'item.message.client_msg_id', 'item.message.team', 'item.message.text', 'item.message.blocks'],
  pin_removed: ['item.message', 'item.message.client_msg_id', 'item.message.team', 'item.message.text', 'item.message.blocks'],
  shared_channel_invite_received: ['invite.recipient_email'],
  shared_channel_invite_accepted: ['invite.recipient_email'],
  shared_channel_invite_approved: ['invite.recipient_email'],
  shared_channel_invite_declined: ['invite.recipient_email'],
  function_executed: ['function.description', 'function.input_parameters.0.description', 'function.input_parameters.0.title'],
  // interactivity
  block_actions: ['channel', 'message', 'state', 'is_enterprise_install', 'user.name', 'user.team_id', 'actions.0.value', 'actions.0.style'],
  view_submission: ['is_enterprise_install', 'response_urls', 'user.team_id'],
  view_closed: ['is_enterprise_install', 'user.team_id'],
  shortcut: ['is_enterprise_install'],
  message_action: ['is_enterprise_install', 'user.team_id', 'user.username', 'message.user', 'message.text'],
  block_suggestion: ['is_enterprise_install', 'user.team_id', 'channel'],
  interactive_message: ['is_enterprise_install', 'user.team_id', 'attachment_id', 'message_ts', 'is_app_unfurl', 'original_message'],
  dialog_submission: ['is_enterprise_install', 'user.team_id'],
  dialog_suggestion: ['is_enterprise_install', 'user.team_id', 'channel'],
};
// the user objects of team_join, user_change and the like carry these
const USER_OPTIONAL = ['profile.email', 'profile.image_original', 'profile.is_custom_image', 'profile.image_1024', 'profile.huddle_state', 'profile.huddle_state_expiration_ts', 'is_invited_user', 'has_2fa', 'presence'];

function optionalFor(name) {
  const list = new Set(OPTIONAL[name] ?? []);
  return (at) => {
    const rel = at.split('.').slice(1).join('.');
    if (list.has(rel) || list.has('*')) return true;
    if (/^user\./.test(rel) && USER_OPTIONAL.includes(rel.slice(5))) return true;
    return false;
  };
}

// ------------------------------------------------------------ descriptions

const DESCRIPTIONS = {
  agent_session_stopped: 'A user stopped an agent session in a thread.',
  agent_session_title_changed: "An agent session's title changed.",
  app_context_changed: 'The context the app runs in changed (the channel or canvas the user looks at).',
  app_deleted: 'An app was deleted from the workspace.',
  app_home_opened: "A user opened the app's Home tab.",
  app_installed: 'An app was installed in the workspace.',
  app_mention: 'A user mentioned the app in a channel.',
  app_rate_limited: 'The app went over the Events API rate limit for this workspace.',
  app_requested: 'A user asked for the app to be installed.',
  app_uninstalled: 'The app was uninstalled from the workspace.',
  app_uninstalled_team: 'The app was uninstalled from a workspace of an org.',
  assistant_thread_context_changed: "The user moved to another channel while the assistant's thread was open.",
  assistant_thread_started: 'A user opened a new thread with the assistant.',
  call_rejected: 'A user declined a call the app started.',
  channel_archive: 'A channel was archived.',
  channel_created: 'A channel was created.',
  channel_deleted: 'A channel was deleted.',
  channel_history_changed: "Many messages in a channel changed at once (bulk update).",
  channel_id_changed: "A channel's ID changed (it moved to an Enterprise org).",
  channel_left: 'The app was removed from a channel.',
  channel_rename: 'A channel was renamed.',
  channel_shared: 'A channel was shared with another workspace.',
  channel_unarchive: 'A channel was unarchived.',
  channel_unshared: 'A shared channel stopped being shared with a workspace.',
  dnd_updated: 'Do Not Disturb settings changed for the current user.',
  dnd_updated_user: 'Do Not Disturb settings changed for a member.',
  email_domain_changed: "The workspace's email domain changed.",
  emoji_changed: 'A custom emoji was added.',
  entity_details_requested: 'A user opened the flexpane of a work object the app unfurled.',
  file_change: 'A file was changed.',
  file_comment_deleted: 'A file comment was deleted.',
  file_created: 'A file was created.',
  file_deleted: 'A file was deleted.',
  file_public: 'A file was made public.',
  file_shared: 'A file was shared in a channel.',
  file_unshared: 'A file was unshared.',
  function_executed: "A workflow ran the app's custom function.",
  grid_migration_finished: 'An Enterprise Grid migration finished.',
  grid_migration_started: 'An Enterprise Grid migration started.',
  group_archive: 'A private channel was archived.',
  group_close: 'A user closed a private channel.',
  group_deleted: 'A private channel was deleted.',
  group_history_changed: 'Many messages in a private channel changed at once.',
  group_left: 'The app was removed from a private channel.',
  group_open: 'A user opened a private channel.',
  group_rename: 'A private channel was renamed.',
  group_unarchive: 'A private channel was unarchived.',
  im_close: 'A user closed a direct message.',
  im_created: 'A direct message was opened with the app.',
  im_history_changed: 'Many messages in a direct message changed at once.',
  im_open: 'A user opened a direct message.',
  invite_requested: 'A user asked for someone to be invited to the workspace.',
  link_shared: "A message contains a link to a domain the app unfurls.",
  member_joined_channel: 'A user joined a channel.',
  member_left_channel: 'A user left a channel.',
  message: 'A user posted a message in a channel the app is in.',
  'message.bot_message': 'A bot or integration posted a message.',
  'message.channel_archive': 'The channel-archived notice was posted.',
  'message.channel_join': 'A member joined a channel (the join notice).',
  'message.channel_leave': 'A member left a channel (the leave notice).',
  'message.channel_name': 'A channel was renamed (the rename notice).',
  'message.channel_posting_permissions': "A channel's posting permissions changed.",
  'message.channel_purpose': "A channel's purpose was set.",
  'message.channel_topic': "A channel's topic was set.",
  'message.channel_unarchive': 'The channel-unarchived notice was posted.',
  'message.ekm_access_denied': 'A message was hidden by Enterprise Key Management.',
  'message.file_share': 'A user shared a file in a message.',
  'message.me_message': 'A user sent a /me message.',
  'message.message_changed': 'A message was edited.',
  'message.message_deleted': 'A message was deleted.',
  'message.message_replied': 'A message got a thread reply.',
  'message.thread_broadcast': 'A thread reply was also sent to the channel.',
  message_metadata_deleted: 'A message carrying metadata was deleted.',
  message_metadata_posted: 'A message with metadata was posted.',
  message_metadata_updated: "A message's metadata was updated.",
  pin_added: 'A message was pinned to a channel.',
  pin_removed: 'A message was unpinned.',
  reaction_added: 'A user added an emoji reaction to a message.',
  reaction_removed: 'A user removed an emoji reaction.',
  shared_channel_invite_accepted: 'A Slack Connect channel invitation was accepted.',
  shared_channel_invite_approved: 'An admin approved a Slack Connect channel invitation.',
  shared_channel_invite_declined: 'A Slack Connect channel invitation was declined.',
  shared_channel_invite_received: 'The workspace received a Slack Connect channel invitation.',
  shared_channel_invite_requested: 'A user asked to invite someone to a Slack Connect channel.',
  star_added: 'A user saved (starred) a message.',
  star_removed: 'A user removed a saved item.',
  subteam_created: 'A user group was created.',
  subteam_members_changed: "A user group's members changed.",
  subteam_self_added: 'The app user was added to a user group.',
  subteam_self_removed: 'The app user was removed from a user group.',
  subteam_updated: 'A user group was updated.',
  team_access_granted: 'The app was granted access to workspaces of an org.',
  team_access_revoked: 'Access to workspaces of an org was taken from the app.',
  team_domain_change: "The workspace's domain changed.",
  team_join: 'A new member joined the workspace.',
  team_rename: 'The workspace was renamed.',
  tokens_revoked: "The app's tokens were revoked.",
  user_change: "A member's data changed.",
  user_huddle_changed: "A member's huddle status changed.",
  user_profile_changed: "A member's profile changed.",
  user_status_changed: "A member's status changed.",
  workflow_deleted: 'A workflow that uses the app\'s step was deleted.',
  workflow_published: 'A workflow that uses the app\'s step was published.',
  workflow_step_deleted: "The app's workflow step was removed from a workflow.",
  workflow_step_execute: "A workflow ran the app's step.",
  workflow_unpublished: 'A workflow that uses the app\'s step was unpublished.',
  url_verification: 'Slack is verifying ownership of the Events API request URL.',
  block_actions: 'A user clicked the Approve button on an interactive message.',
  view_submission: 'A user submitted a modal.',
  view_closed: 'A user closed a modal (the app asked to be told).',
  shortcut: "A user ran the app's global shortcut.",
  message_action: "A user ran the app's message shortcut on a message.",
  block_suggestion: 'A select menu with an external data source asked for options.',
  interactive_message: 'A user clicked a button in a legacy message attachment.',
  dialog_submission: 'A user submitted a legacy dialog.',
  dialog_suggestion: 'A legacy dialog select menu asked for options.',
  slash_command: 'A user ran the /deploy slash command.',
};

// -------------------------------------------------- per-event adjustments

// A message inside an event (the edited one, the thread parent) is the
// message as stored: no event_ts, channel or channel_type of its own.
function stored(m, ts) {
  if (!m || typeof m !== 'object') return m;
  delete m.event_ts; delete m.channel; delete m.channel_type;
  if (ts) m.ts = ts;
  return m;
}

function adjustEvent(name, ev) {
  const set = (k, v) => { if (k in ev) ev[k] = v; };
  switch (name) {
    case 'message': case 'app_mention': {
      ev.text = name === 'app_mention' ? `<@${ID.bot_user}> what's the status of the deploy?` : WORDS.text;
      ev.blocks = name === 'app_mention' ? blocksFor("what's the status of the deploy?", ID.bot_user) : blocksFor(WORDS.text);
      break;
    }
    case 'message.bot_message':
      ev.text = 'Build #1042 passed on main'; ev.username = 'CI'; ev.blocks = [{ type: 'section', block_id: 'ci', text: { type: 'mrkdwn', text: 'Build *#1042* passed on `main`', verbatim: false } }];
      break;
    case 'message.channel_join': ev.text = `<@${ID.user}> has joined the channel`; ev.inviter = ID.other_user; break;
    case 'message.channel_leave': ev.text = `<@${ID.user}> has left the channel`; break;
    case 'message.channel_archive': ev.text = `<@${ID.user}> archived the channel`; break;
    case 'message.channel_unarchive': ev.text = `<@${ID.user}> un-archived the channel`; break;
    case 'message.channel_name': ev.name = 'deploys'; ev.old_name = 'deploys-old'; ev.text = `<@${ID.user}> renamed the channel from "deploys-old" to "deploys"`; break;
    case 'message.channel_purpose': ev.text = `<@${ID.user}> set the channel purpose: ${WORDS.purpose}`; break;
    case 'message.channel_topic': ev.text = `<@${ID.user}> set the channel topic: ${WORDS.topic}`; break;
    case 'message.channel_posting_permissions': ev.text = `<@${ID.user}> changed who can post in this channel`; break;
    case 'message.ekm_access_denied': ev.text = 'Your admins have suspended everyone\'s access to this content.'; break;
    case 'message.me_message': ev.text = 'is deploying api to production'; break;
    case 'message.file_share': ev.text = 'Latency after the deploy'; ev.blocks = blocksFor('Latency after the deploy'); break;
    case 'message.message_changed':
      ev.hidden = true;
      stored(ev.message, TS.message); stored(ev.previous_message, TS.message);
      ev.message.text = 'Deploy finished :white_check_mark: (api v2.14.1)'; ev.message.blocks = blocksFor('Deploy finished (api v2.14.1) :white_check_mark:');
      ev.message.edited = { user: ID.user, ts: TS.now };
      break;
    case 'message.message_deleted': ev.hidden = true; stored(ev.previous_message, TS.message); break;
    case 'message.message_replied':
      ev.hidden = true;
      stored(ev.message, TS.thread);
      ev.message.user = ID.other_user; ev.message.thread_ts = TS.thread; ev.message.reply_count = 1;
      ev.message.replies = [{ user: ID.user, ts: TS.now }];
      break;
    case 'message.thread_broadcast':
      ev.text = 'Rolled back, see thread'; ev.blocks = blocksFor('Rolled back, see thread');
      stored(ev.root, TS.thread);
      ev.root.user = ID.other_user; ev.root.text = 'Deploying api v2.14.1'; ev.root.blocks = blocksFor('Deploying api v2.14.1');
      ev.root.latest_reply = TS.now; ev.root.reply_users = [ID.user];
      ev.root.client_msg_id = 'b41e2d6a-0c7f-4e58-9a31-6d2f8c0e7b95';
      break;
    case 'pin_added': case 'pin_removed':
      ev.item.created_by = ID.user; ev.item_user = ID.other_user;
      ev.item.message.user = ID.other_user; ev.item.message.ts = TS.message; ev.item.message.type = 'message';
      ev.item.message.permalink = `https://${DOMAIN}.slack.com/archives/${ID.channel}/p1764013140000200`;
      ev.item.created = UNIX - 60;
      if (name === 'pin_removed') ev.has_pins = false;
      break;
    case 'member_joined_channel': ev.inviter = ID.other_user; break;
    case 'user_huddle_changed': ev.user.profile.huddle_state = 'in_a_huddle'; ev.user.profile.huddle_state_call_id = 'R08F8LQ4K2M'; ev.user.profile.huddle_state_expiration_ts = 0; break;
    case 'user_status_changed': ev.user.profile.status_text = 'In a meeting'; ev.user.profile.status_emoji = ':spiral_calendar_pad:'; break;
    case 'shared_channel_invite_requested': ev.channel_name = 'deploys'; ev.target_users = [{ email: 'sam@partner.example', invite_id: 'I08F9M3D2QT' }]; break;
    case 'reaction_added': case 'reaction_removed': ev.item = { type: 'message', channel: ID.channel, ts: TS.message }; break;
    case 'star_added': case 'star_removed':
      ev.item = { type: 'message', channel: ID.channel, message: { type: 'message', user: ID.other_user, text: WORDS.text, ts: TS.message, permalink: `https://${DOMAIN}.slack.com/archives/${ID.channel}/p1764013140000200` }, date_create: UNIX };
      break;
    case 'emoji_changed': ev.subtype = 'add'; ev.name = 'party-parrot'; ev.value = 'https://emoji.slack-edge.com/T08F3K2QZ1R/party-parrot/4f5e6d7c8b9a0f1e.gif'; break;
    case 'link_shared': ev.links = [{ domain: 'example.com', url: 'https://example.com/tickets/42' }]; break;
    case 'tokens_revoked': ev.tokens = { oauth: [ID.user], bot: [ID.bot_user] }; break;
    case 'team_access_granted': case 'team_access_revoked': ev.team_ids = [ID.team, ID.other_team]; break;
    case 'team_domain_change': ev.url = `https://${DOMAIN}.slack.com`; ev.domain = DOMAIN; break;
    case 'team_rename': ev.name = 'Example Workspace'; break;
    case 'im_created': case 'im_open': case 'im_close':
      if (typeof ev.channel === 'object') ev.channel = { id: ID.dm }; else ev.channel = ID.dm;
      break;
    case 'function_executed':
      ev.inputs = { user_id: ID.user, ticket: 'DEPLOY-42' };
      break;
    case 'workflow_step_execute':
      ev.workflow_step.inputs = { ticket: { value: 'DEPLOY-42' } };
      break;
    case 'channel_created': case 'channel_rename': case 'group_rename':
      ev.channel.name = 'deploys'; ev.channel.name_normalized = 'deploys';
      break;
    case 'message_metadata_posted': case 'message_metadata_updated': case 'message_metadata_deleted':
      for (const k of ['metadata', 'previous_metadata']) if (k in ev) ev[k] = { event_type: 'deploy_finished', event_payload: { service: 'api', version: '2.14.1' } };
      break;
    case 'app_context_changed':
      ev.context = { entities: [{ type: 'slack#/types/channel_id', value: ID.channel, team_id: ID.team }] };
      break;
  }
  if (ev.user && typeof ev.user === 'object' && ev.user.profile) {
    ev.user.profile.fields = {};
    ev.user.profile.status_emoji_display_info = [];
  }
  void set;
  return ev;
}

// ------------------------------------------------------------- envelopes

function eventContext(type) {
  const json = JSON.stringify({ et: type, tid: ID.team, aid: ID.app, cid: ID.channel });
  return `4-${Buffer.from(json).toString('base64url')}`;
}

function callback(type, event) {
  return {
    token: TOKEN, team_id: ID.team, context_team_id: ID.team, context_enterprise_id: null, api_app_id: ID.app,
    event, type: 'event_callback', event_id: 'Ev08FQ1ZK7MN', event_time: UNIX,
    authorizations: [{ enterprise_id: null, team_id: ID.team, user_id: ID.bot_user, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false, event_context: eventContext(type),
  };
}

// Leaves equal to a cast member become that entity, timestamps become fresh.
function freshFor(doc, prefix = '') {
  const fresh = {};
  const byValue = new Map(Object.entries(ID).map(([k, v]) => [v, `{@${k}}`]));
  let nowAt = null;
  let msgAt = null;
  const walk = (v, p) => {
    if (Array.isArray(v)) { v.forEach((x, i) => walk(x, [...p, i])); return; }
    if (v && typeof v === 'object') { for (const [k, x] of Object.entries(v)) walk(x, [...p, k]); return; }
    const at = prefix + p.join('.');
    if (typeof v === 'number' && TIME_NUMBERS.has(String(p[p.length - 1])) && v !== 0) {
      const offset = v - UNIX;
      if (Math.abs(offset) > 86400 * 365) throw new Error(`${at}: ${v} is no time near ${UNIX}`);
      fresh[at] = offset === 0 ? '{unix}' : `{unix${offset > 0 ? '+' : ''}${offset}}`;
    }
    if (typeof v === 'string') {
      if (byValue.has(v)) fresh[at] = byValue.get(v);
      else if (v === TS.now) { if (nowAt === null) { nowAt = at; fresh[at] = '{unix}.{digits:6}'; } else fresh[at] = `{ref:${nowAt}}`; }
      else if (v === TS.message) fresh[at] = '{@message_ts}';
      else if (v === TS.thread) fresh[at] = '{@thread_ts}';
      else if (v === '3a9f1e7c-5d2b-4c8e-a6f0-7b1d9e2c4a58') {
        // one message's client id, wherever that message appears
        if (msgAt === null) { msgAt = at; fresh[at] = '{uuid}'; } else fresh[at] = `{ref:${msgAt}}`;
      }
      else if (v.includes(ID.team) && v.startsWith('https://hooks.slack.com/')) fresh[at] = v.replace(ID.team, '{@team}').replace(/\/\d{13}\//, '/{digits:13}/').replace(/\/[A-Za-z0-9]{24}$/, '/{base62:24}');
    }
  };
  walk(doc, []);
  return fresh;
}

function write(file, obj) { fs.writeFileSync(file, JSON.stringify(obj, null, 2) + '\n'); }

// ------------------------------------------------------------------ main

function main() {
  const reg = readDeclarations([...dtsFiles(path.join(typesDir, 'dist')), ...dtsFiles(path.join(boltDir, 'dist/types'))]);
  const union = resolve(reg, { k: 'ref', name: 'SlackEvent', args: [] });
  const fixtures = [];
  const listed = [];

  for (const alt of union.ts) {
    const typeMember = alt.members.find((m) => m.name === 'type');
    const type = literals(resolve(reg, typeMember.type))[0];
    const sub = alt.members.find((m) => m.name === 'subtype');
    const subLits = sub ? literals(resolve(reg, sub.type)) : [];
    const name = type === 'message' && subLits.length === 1 && typeof subLits[0] === 'string' ? `message.${subLits[0]}` : type;
    const gen = new Gen(reg, optionalFor(name));
    const ev = adjustEvent(name, gen.object(alt, ['event'], 'event'));
    listed.push({ event: name, interface: alt.from });
    if (type === 'app_rate_limited') {
      // sent on its own, not wrapped in an event callback
      const body = { token: TOKEN, type, team_id: ID.team, minute_rate_limited: ev.minute_rate_limited, api_app_id: ID.app };
      fixtures.push({ name, source: `${TYPES_SRC} AppRateLimitedEvent`, body, fresh: freshFor(body) });
      continue;
    }
    const body = callback(type, ev);
    const fresh = { event_id: 'Ev{ALNUM:10}', event_time: '{unix}', ...freshFor(body) };
    fixtures.push({ name, source: `${TYPES_SRC} ${alt.from} in ${BOLT_SRC} EnvelopedEvent`, body, fresh, primary: name === 'message' });
  }

  // url_verification: the handshake
  fixtures.push({
    name: 'url_verification', source: 'Slack Events API url_verification handshake',
    body: { token: TOKEN, challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' },
    fresh: { challenge: '{base62:52}' },
  });

  // interactivity payloads, form-encoded as payload=JSON
  const forms = [
    ['block_actions', 'BlockAction'], ['view_submission', 'ViewSubmitAction'], ['view_closed', 'ViewClosedAction'],
    ['shortcut', 'GlobalShortcut'], ['message_action', 'MessageShortcut'], ['block_suggestion', 'BlockSuggestion'],
    ['interactive_message', 'InteractiveMessage'], ['dialog_submission', 'DialogSubmitAction'], ['dialog_suggestion', 'DialogSuggestion'],
  ];
  for (const [name, iface] of forms) {
    const t = resolve(reg, { k: 'ref', name: iface, args: [] });
    const gen = new Gen(reg, optionalFor(name));
    const payload = adjustInteraction(name, gen.object(t, ['payload'], 'payload'));
    listed.push({ event: name, interface: iface });
    const fresh = freshFor(payload, 'payload.');
    if (payload.trigger_id) fresh['payload.trigger_id'] = '{digits:13}.{digits:12}.{hex:32}';
    fixtures.push({ name, source: `${BOLT_SRC} ${iface}`, form: { payload }, fresh });
  }

  // the slash command
  {
    const t = resolve(reg, { k: 'ref', name: 'SlashCommand', args: [] });
    const gen = new Gen(reg, (at) => at === 'form.is_enterprise_install');
    const form = gen.object(t, ['form'], 'command');
    Object.assign(form, {
      command: '/deploy', text: 'api production', channel_name: 'deploys', user_name: 'jenny.rosen', team_domain: DOMAIN,
      response_url: `https://hooks.slack.com/commands/${ID.team}/8034127755026/cT4hVq9wX2mLzR7bN5kE1sPa`, is_enterprise_install: 'false',
    });
    listed.push({ event: 'slash_command', interface: 'SlashCommand' });
    const fresh = freshFor(form);
    fresh.response_url = 'https://hooks.slack.com/commands/{@team}/{digits:13}/{base62:24}';
    fresh.trigger_id = '{digits:13}.{digits:12}.{hex:32}';
    fixtures.push({ name: 'slash_command', source: `${BOLT_SRC} SlashCommand`, form, fresh });
  }

  fs.mkdirSync(OUT, { recursive: true });
  for (const f of fs.readdirSync(OUT)) if (f.endsWith('.json')) fs.unlinkSync(path.join(OUT, f));
  for (const f of fixtures) {
    const description = DESCRIPTIONS[f.name];
    if (!description) throw new Error(`no description for ${f.name}`);
    const out = { event: f.name, description, source: f.source };
    if (f.primary) out.primary = true;
    out.content_type = f.form ? 'application/x-www-form-urlencoded' : 'application/json';
    out.style = 'compact';
    out.fresh = f.fresh;
    if (f.form) out.form = f.form; else out.body = f.body;
    write(path.join(OUT, `${f.name.replace(/\//g, '_')}.json`), out);
  }
  write(path.join(OUT, '_entities.json'), ENTITY_TEMPLATES);
  fs.mkdirSync(DATA, { recursive: true });
  write(path.join(DATA, 'events.json'), {
    source: `${TYPES_SRC} (SlackEvent union) + ${BOLT_SRC} (interactivity payloads, SlashCommand)`,
    note: 'Every event the typings declare, by fixture name: Events API types (message subtypes as message.SUBTYPE), interactivity payload types, slash_command.',
    events: listed,
  });
  console.log(`${fixtures.length} fixtures from ${TYPES_SRC} + ${BOLT_SRC}`);
}

function adjustInteraction(name, p) {
  const team = { id: ID.team, domain: DOMAIN };
  p.team = team;
  if ('user' in p) p.user = { id: ID.user, username: 'jenny.rosen', name: 'jenny.rosen', team_id: ID.team, ...(name === 'shortcut' ? {} : {}) };
  if (name === 'shortcut') p.user = { id: ID.user, username: 'jenny.rosen', team_id: ID.team };
  p.enterprise = null;
  p.is_enterprise_install = false;
  if ('channel' in p) p.channel = { id: ID.channel, name: 'deploys' };
  if ('token' in p) p.token = TOKEN;
  if ('callback_id' in p && name !== 'dialog_submission' && name !== 'dialog_suggestion') p.callback_id = name === 'shortcut' ? 'open_deploy_form' : 'deploy_approval';
  switch (name) {
    case 'block_actions':
      p.container = { type: 'message', message_ts: TS.message, channel_id: ID.channel, is_ephemeral: false };
      p.message = {
        user: ID.bot_user, type: 'message', ts: TS.message, bot_id: ID.bot, app_id: ID.app, text: 'Deploy api to production?', team: ID.team,
        blocks: [
          { type: 'section', block_id: 'deploy_prompt', text: { type: 'mrkdwn', text: 'Deploy *api* to *production*?', verbatim: false } },
          { type: 'actions', block_id: 'deploy_actions', elements: [
            { type: 'button', action_id: 'approve_deploy', text: { type: 'plain_text', text: 'Approve', emoji: true }, style: 'primary', value: 'deploy_api_production' },
            { type: 'button', action_id: 'reject_deploy', text: { type: 'plain_text', text: 'Reject', emoji: true }, style: 'danger', value: 'deploy_api_production' },
          ] },
        ],
      };
      p.state = { values: {} };
      p.actions = [{ action_id: 'approve_deploy', block_id: 'deploy_actions', text: { type: 'plain_text', text: 'Approve', emoji: true }, value: 'deploy_api_production', style: 'primary', type: 'button', action_ts: TS.now }];
      break;
    case 'view_submission': case 'view_closed':
      p.view = modalView(name === 'view_submission');
      if (name === 'view_submission') p.response_urls = [];
      if (name === 'view_closed') p.is_cleared = false;
      break;
    case 'block_suggestion':
      p.block_id = 'service_block'; p.action_id = 'service_select'; p.value = 'ap';
      p.container = { type: 'view', view_id: ID.view };
      p.view = modalView(false);
      delete p.channel;
      break;
    case 'message_action':
      p.message_ts = TS.message; p.response_url = `https://hooks.slack.com/app/${ID.team}/8034127791010/Zp4QxW8rT2nLk6VbM9sYc1Ha`;
      p.message = { type: 'message', user: ID.other_user, ts: TS.message, text: 'The api is returning 502s', client_msg_id: '7d1b0e9c-2f3a-4b5c-8d6e-9f0a1b2c3d4e', team: ID.team, blocks: blocksFor('The api is returning 502s') };
      break;
    case 'interactive_message':
      p.actions = [{ name: 'approve', type: 'button', value: 'deploy_api_production' }];
      p.attachment_id = '1'; p.message_ts = TS.message; p.is_app_unfurl = false; p.original_message = { type: 'message', text: 'Deploy api to production?', ts: TS.message, bot_id: ID.bot };
      p.response_url = `https://hooks.slack.com/actions/${ID.team}/8034127791010/Zp4QxW8rT2nLk6VbM9sYc1Ha`;
      break;
    case 'dialog_submission':
      p.callback_id = 'incident_report'; p.submission = { title: 'api 502s', severity: 'sev2' }; p.state = 'deploy-42';
      p.response_url = `https://hooks.slack.com/app/${ID.team}/8034127791010/Zp4QxW8rT2nLk6VbM9sYc1Ha`;
      break;
    case 'dialog_suggestion':
      p.callback_id = 'incident_report'; p.name = 'service'; p.value = 'ap';
      break;
  }
  return p;
}

function modalView(withState) {
  return {
    id: ID.view, team_id: ID.team, type: 'modal',
    blocks: [{ type: 'input', block_id: 'service_block', label: { type: 'plain_text', text: 'Service', emoji: true }, optional: false, dispatch_action: false,
      element: { type: 'plain_text_input', action_id: 'service_input', dispatch_action_config: { trigger_actions_on: ['on_enter_pressed'] } } }],
    private_metadata: '', callback_id: 'deploy_form',
    state: { values: withState ? { service_block: { service_input: { type: 'plain_text_input', value: 'api' } } } : {} },
    hash: WORDS.hash, title: { type: 'plain_text', text: 'Deploy', emoji: true }, clear_on_close: false, notify_on_close: true,
    close: { type: 'plain_text', text: 'Cancel', emoji: true }, submit: { type: 'plain_text', text: 'Deploy', emoji: true },
    previous_view_id: null, root_view_id: ID.view, app_id: ID.app, external_id: '', app_installed_team_id: ID.team, bot_id: ID.bot,
  };
}

main();
