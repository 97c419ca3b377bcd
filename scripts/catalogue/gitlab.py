#!/usr/bin/env python3
"""GitLab webhook fixtures, from GitLab's "Webhook events" documentation page.

Run from the repository root (Python 3.11, standard library only):

    python3 scripts/catalogue/gitlab.py [DOC]

DOC is GitLab's doc/user/project/integrations/webhook_events.md, from a checkout
of gitlab-org/gitlab (or its mirror gitlabhq/gitlabhq); without it, the extract
committed at scripts/catalogue/data/gitlab_webhook_events.md is read (headings,
request headers and payload examples of the page at the commit named below).

It writes:
  fixtures/gitlab/<event>.json      one fixture per event name hookcli reads back
  tests/data/gitlab/events.json     the documented event types, every payload
                                    example and the fixture that stands for it

hookcli names a GitLab event by the body's `object_kind`, else by its
`event_name`, else by the `X-Gitlab-Event` header (src/provider/gitlab.rs). So
the group-only member, project and subgroup examples (no `object_kind`) are each
named by their `event_name` (`user_add_to_group`, `project_destroy`, ...), one
fixture per example; the four comment examples (commit, merge request, issue,
snippet) are all `note` and the two access token examples (project, group) are
both `access_token`: one fixture stands for each such name, the others are
listed in the data file as variants.

Times: every example is moved so that its latest moment is LATEST; then each
time within 30 days of it (or ahead of it: an expiry) is refreshed at every
send as now plus its offset (`{iso-65}`, `{utc}`, `{iso_ms+259200}`, in the
field's own form; a `... +0200` time becomes GitLab's `... UTC` form), and the
main object's own times that the docs leave years old are set to now
(NOW below). Older times (a label made years ago) and plain dates stay as
written. Re-running with the same input gives the same files.
"""

import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DOC = ROOT / "scripts/catalogue/data/gitlab_webhook_events.md"
DOC_PATH = "doc/user/project/integrations/webhook_events.md"
DOC_COMMIT = "017a6c129d6a9e4ad9fec792cd84f88641d7dbfe"
DOC_VERSION = "GitLab 18.2+"
SOURCE = f"GitLab docs {DOC_PATH} @ gitlabhq/gitlabhq {DOC_COMMIT[:12]} ({DOC_VERSION})"

# Canonical values: the same instance, project, group and people in every event
# (and the same as the hand-written fixtures before this generator).
HOST = "https://gitlab.example.com"
SSH = "git@gitlab.example.com:"
PROJECT_PATH = "example-group/api-service"
PROJECT = {
    "id": 42,
    "name": "api-service",
    "description": "Public API service",
    "web_url": f"{HOST}/{PROJECT_PATH}",
    "avatar_url": None,
    "git_ssh_url": f"{SSH}{PROJECT_PATH}.git",
    "git_http_url": f"{HOST}/{PROJECT_PATH}.git",
    "namespace": "Example Group",
    "visibility_level": 20,
    "path_with_namespace": PROJECT_PATH,
    "default_branch": "main",
    "ci_config_path": None,
    "homepage": f"{HOST}/{PROJECT_PATH}",
    "url": f"{SSH}{PROJECT_PATH}.git",
    "ssh_url": f"{SSH}{PROJECT_PATH}.git",
    "http_url": f"{HOST}/{PROJECT_PATH}.git",
}
REPOSITORY = {
    "name": "api-service",
    "url": f"{SSH}{PROJECT_PATH}.git",
    "description": "Public API service",
    "homepage": f"{HOST}/{PROJECT_PATH}",
    "git_http_url": f"{HOST}/{PROJECT_PATH}.git",
    "git_ssh_url": f"{SSH}{PROJECT_PATH}.git",
    "visibility_level": 20,
}
AVATAR = "https://www.gravatar.com/avatar/205e460b479e2e5b48aec07710c08d50?s=80&d=identicon"
AVATAR_2 = "https://www.gravatar.com/avatar/7a1f0c2d9e4b3a5c6d8e0f1a2b3c4d5e?s=80&d=identicon"
# Who acts, and who is assigned, reviews or is added to the group.
ACTOR = {"id": 7, "name": "Jenny Rosen", "username": "jrosen", "avatar_url": AVATAR,
         "email": "[REDACTED]"}
OTHER = {"id": 12, "name": "Sam Patel", "username": "spatel", "avatar_url": AVATAR_2,
         "email": "[REDACTED]"}
GROUP = {"id": 18, "name": "Example Group", "path": "example-group"}

# The docs' many sample instances and projects, mapped onto the one above
# (longest first, so that a host is replaced before a shorter prefix of it).
REPLACE = [
    ("ssh://vlad@10.126.0.2:2222/root/test-deployment-webhooks", SSH + PROJECT_PATH),
    ("http://10.126.0.2:3000/root/test-deployment-webhooks", f"{HOST}/{PROJECT_PATH}"),
    ("http://10.126.0.2:3000/root", f"{HOST}/jrosen"),
    ("http://192.168.64.1:3005/", f"{HOST}/"),
    ("git@192.168.64.1:", SSH),
    ("ssh://git@example.com/", SSH),
    ("git@example.com:", SSH),
    ("http://localhost/", f"{HOST}/"),
    ("http://example.com/diaspora/", f"{HOST}/{PROJECT_PATH}/-/"),
    ("http://example.com/uploads/-/system/user/avatar/1/avatar.png", AVATAR),
    ("http://example.com/root", f"{HOST}/jrosen"),
    ("https://example.com/", f"{HOST}/"),
    ("http://example.com/", f"{HOST}/"),
    ("release-webhook-example-v1.1", "api-service-v1.1"),
    ("gitlab-org/release-webhook-example", PROJECT_PATH),
    ("root/test-deployment-webhooks", PROJECT_PATH),
    ("awesome_space/awesome_project", PROJECT_PATH),
    ("root/awesome-project", PROJECT_PATH),
    ("gitlabhq/gitlab-test", PROJECT_PATH),
    ("gitlab-org/gitlab-test", PROJECT_PATH),
    ("flightjs/Flight", PROJECT_PATH),
    ("mike/diaspora", PROJECT_PATH),
    ("jsmith/example", PROJECT_PATH),
]
# Old-style links the docs still show, in today's `/-/` form.
LINK_FORMS = [("/merge_requests/", "/-/merge_requests/"), ("/issues/", "/-/issues/"),
              ("/commit/", "/-/commit/"), ("/commits/", "/-/commit/")]

# Where a documented name stands for several payload examples: the one that
# the fixture carries (the others are listed as variants in the data file).
DEFAULT_VARIANT = {
    "note": "Comment on a merge request",
    "access_token": "Payload example for project",
}

# The group-only hooks: one section each, one example per `event_name`. Their
# canonical values (PATCH, FRESH, NOW) are shared by the section's examples.
FAMILY = {"Group member events": "member", "Project events": "project",
          "Subgroup events": "subgroup"}

DESCRIPTIONS = {
    "push": "jrosen pushed two commits to main.",
    "tag_push": "jrosen pushed the tag v1.0.0.",
    "issue": "jrosen opened an issue.",
    "work_item": "jrosen opened a task (a work item that is not an issue).",
    "note": "jrosen commented on a merge request.",
    "merge_request": "jrosen opened a merge request into main.",
    "wiki_page": "jrosen created a wiki page.",
    "pipeline": "A merge request pipeline finished successfully.",
    "build": "A CI job was created (its second retry).",
    "deployment": "A deployment to staging succeeded.",
    "feature_flag": "A feature flag was turned on.",
    "release": "jrosen published release v1.1.",
    "milestone": "A milestone was created.",
    "emoji": "jrosen reacted with a thumbs-up to a comment.",
    "access_token": "A project access token expires soon.",
    "vulnerability": "A dependency-scanning vulnerability was confirmed.",
    "user_add_to_group": "spatel was added to the group as a Guest (group webhooks only).",
    "user_update_for_group": "spatel's access level or expiry in the group changed (group webhooks only).",
    "user_remove_from_group": "spatel was removed from the group (group webhooks only).",
    "user_access_request_to_group": "spatel asked for access to the group (group webhooks only).",
    "user_access_request_denied_for_group":
        "spatel's request for access to the group was denied (group webhooks only).",
    "project_create": "A project was created in the group (group webhooks only).",
    "project_destroy": "A project in the group was deleted (group webhooks only).",
    "subgroup_create": "A subgroup was created in the group (group webhooks only).",
    "subgroup_destroy": "A subgroup was removed from the group (group webhooks only).",
}


def slug(title):
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).strip().replace(" ", "-")


def lenient_json(text):
    """The docs' examples: JSON with `//` comments and trailing commas."""
    out, i, in_str = [], 0, False
    while i < len(text):
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(c)
        i += 1
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", "".join(out)))


def parse_doc(text):
    """Documented event types (the two tables) and every payload example."""
    types, examples = [], []
    section = subsection = header = label = None
    table_group = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section, subsection, header, label = line[3:].strip(), None, None, None
            table_group = {"Events triggered for both project and group webhooks": "project and group",
                           "Events triggered for group webhooks only": "group"}.get(section)
        elif line.startswith("### "):
            subsection, label = line[4:].strip(), None
        elif table_group and line.startswith("[") and "|" in line:
            m = re.match(r"\[(.+?)\]\(#([^)]+)\)\s*\|\s*(.+)", line)
            if m:
                types.append({"name": m.group(1), "anchor": m.group(2),
                              "webhooks": table_group, "trigger": m.group(3).strip()})
        elif line.startswith("Payload example for "):
            label = line.rstrip(":")
        elif line.startswith("```"):
            lang = line[3:].strip()
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
            block = "\n".join(lines[i + 1:j])
            if lang == "plaintext":
                m = re.search(r"X-Gitlab-Event: (.+)", block)
                if m:
                    header = m.group(1).strip()
            elif lang == "json" and section:
                examples.append({"section": section, "variant": label or subsection,
                                 "header": header, "payload": lenient_json(block)})
            i = j
        i += 1
    return types, examples


def event_name(example):
    """What hookcli reads back: `object_kind`, else `event_name`, else the header."""
    payload = example["payload"]
    return payload.get("object_kind") or payload.get("event_name") or example["header"]


def family(name, example):
    """The key of an event's PATCH, FRESH and NOW entries."""
    return FAMILY.get(example["section"], name)


# ---------------------------------------------------------------------------
# Realistic values


def replace_strings(value):
    if isinstance(value, dict):
        return {k: replace_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_strings(v) for v in value]
    if isinstance(value, str):
        for old, new in REPLACE:
            value = value.replace(old, new)
        if value.startswith(HOST + "/" + PROJECT_PATH + "/") and "/-/" not in value:
            for old, new in LINK_FORMS:
                value = value.replace(old, new, 1) if old in value else value
        if value in ("master", "refs/heads/master"):
            value = value.replace("master", "main")
        return value.replace("branch: master", "branch: main")
    return value


def canonical(obj, model):
    """The keys the example has, with the canonical values where known."""
    out = {}
    for k, v in obj.items():
        if k == "url" and "url" in model and isinstance(v, str):
            out[k] = f"{HOST}/{PROJECT_PATH}.git" if v.startswith("http") else model["url"]
        else:
            out[k] = model.get(k, v) if k in model else v
    return out


PERSON_KEYS = {"id", "name", "username", "avatar_url", "email"}
ACTOR_ID_KEYS = {"author_id", "user_id", "updated_by_id", "last_edited_by_id",
                 "confirmed_by_id", "merge_user_id"}
OTHER_ID_KEYS = {"assignee_id"}
OTHER_IDS_KEYS = {"assignee_ids", "reviewer_ids"}
PROJECT_ID_KEYS = {"project_id", "source_project_id", "target_project_id"}


def people_and_projects(value, key=None):
    if isinstance(value, list):
        return [people_and_projects(v, key) for v in value]
    if not isinstance(value, dict):
        return value
    if key in ("project", "source", "target") and value.get("path_with_namespace") == PROJECT_PATH:
        value = canonical(value, PROJECT)
    if key == "repository":
        value = canonical(value, REPOSITORY)
    if key in ("user", "assignee", "assignees", "reviewers") and set(value) <= PERSON_KEYS:
        person = ACTOR if key == "user" else OTHER
        value = {k: person[k] for k in value}
    out = {}
    for k, v in value.items():
        if k in ACTOR_ID_KEYS and isinstance(v, int):
            out[k] = ACTOR["id"]
        elif k in OTHER_ID_KEYS and isinstance(v, int):
            out[k] = OTHER["id"]
        elif k in OTHER_IDS_KEYS and isinstance(v, list):
            out[k] = [OTHER["id"] for _ in v]
        elif k in PROJECT_ID_KEYS and isinstance(v, int) and key != "source_pipeline":
            out[k] = PROJECT["id"]
        else:
            out[k] = people_and_projects(v, k)
    return out


# The docs' timestamps span 2011-2025; every example is moved by one offset so
# that its latest moment is this one (the order and gaps within it are kept,
# and so is each field's own format); fresh_times then makes the recent ones
# relative to the moment of sending.
LATEST = datetime(2025, 11, 24, 19, 45, 0, tzinfo=timezone.utc)
TIME_FORMATS = [
    (re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"), "%Y-%m-%dT%H:%M:%S.%fZ"),
    (re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"), "%Y-%m-%dT%H:%M:%SZ"),
    (re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$"), "%Y-%m-%dT%H:%M:%S%z"),
    (re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"), "%Y-%m-%d %H:%M:%S UTC"),
    (re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}$"), "%Y-%m-%d %H:%M:%S %z"),
    (re.compile(r"^\d{4}-\d\d-\d\d$"), "%Y-%m-%d"),
]


def parse_time(s):
    for rx, fmt in TIME_FORMATS:
        if isinstance(s, str) and rx.match(s):
            t = datetime.strptime(s, fmt)
            return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)), fmt
    return None


def format_time(t, fmt, original):
    if fmt.endswith("%z"):
        out = t.astimezone(datetime.strptime(original[-6:].replace(":", "") if ":" in original[-6:]
                                             else original[-5:], "%z").tzinfo).strftime(fmt)
        return out[:-2] + ":" + out[-2:] if original[-3] == ":" else out
    if "%f" in fmt:
        return t.strftime(fmt)[:-4] + "Z"
    return t.strftime(fmt)


# Moments ahead of the event (an expiry, a due date) do not set the offset.
AHEAD = {"expires_at", "due_date", "start_date"}


def times(value):
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in AHEAD:
                yield from times(v)
    elif isinstance(value, list):
        for v in value:
            yield from times(v)
    else:
        p = parse_time(value)
        if p and p[1] != "%Y-%m-%d":
            yield p[0]


def shift_times(value, delta):
    if isinstance(value, dict):
        return {k: shift_times(v, delta) for k, v in value.items()}
    if isinstance(value, list):
        return [shift_times(v, delta) for v in value]
    p = parse_time(value)
    if not p:
        return value
    t, fmt = p
    if fmt == "%Y-%m-%d":
        return (t + timedelta(days=round(delta.total_seconds() / 86400))).strftime(fmt)
    return format_time(t + delta, fmt, value)


# Each time form and the template that renders it at send time. Ruby prints a
# UTC time as `2025-11-24 19:45:00 UTC`, so `... +0200` becomes that form.
TEMPLATE_OF = {
    "%Y-%m-%dT%H:%M:%S.%fZ": "iso_ms",
    "%Y-%m-%dT%H:%M:%SZ": "iso",
    "%Y-%m-%dT%H:%M:%S%z": "iso",
    "%Y-%m-%d %H:%M:%S UTC": "utc",
    "%Y-%m-%d %H:%M:%S %z": "utc",
}
# Times older than this before the event are history (a label made long ago):
# they stay as written.
WINDOW = 30 * 86400


def leaves(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, path + (str(i),))
    else:
        yield ".".join(path), value


def whole_seconds(t):
    return int(t.replace(microsecond=0).timestamp())


def fresh_times(body, now):
    """Each recent (or ahead) time, as now plus its offset from LATEST, and
    the body's value rewritten to what that template gives at LATEST."""
    fresh = {}
    first = {}
    for path, value in list(leaves(body)):
        p = parse_time(value)
        if not p or p[1] == "%Y-%m-%d":
            continue
        t, fmt = p
        offset = now[path] if path in now else whole_seconds(t) - whole_seconds(LATEST)
        if offset < -WINDOW:
            continue
        name = TEMPLATE_OF[fmt]
        at = LATEST + timedelta(seconds=offset)
        if name == "iso_ms":
            # Random milliseconds: a time that equals an earlier one refers to it.
            ms = t.microsecond // 1000 if path not in now else 0
            rendered = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms:03d}Z"
            if (rendered, offset) in first:
                fresh[path] = f"{{ref:{first[rendered, offset]}}}"
                set_path(body, path, rendered)
                continue
            first[rendered, offset] = path
        elif name == "iso":
            rendered = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            rendered = at.strftime("%Y-%m-%d %H:%M:%S UTC")
        set_path(body, path, rendered)
        fresh[path] = "{" + name + (f"{offset:+d}" if offset else "") + "}"
    return fresh


def set_path(doc, path, value):
    parts = path.split(".")
    for p in parts[:-1]:
        doc = doc[int(p)] if isinstance(doc, list) else doc[p]
    last = parts[-1]
    if isinstance(doc, list):
        doc[int(last)] = value
    else:
        doc[last] = value


def get_path(doc, path):
    for p in path.split("."):
        doc = doc[int(p)] if isinstance(doc, list) else doc[p]
    return doc


# Per event (or group hook family): values the docs leave at test-fixture
# placeholders, and the paths refreshed at every send (ids, commit SHAs, links
# that carry them; times are added by fresh_times). Paths are applied in order,
# so `{ref:..}` sees the fresh value written before it.
PATCH = {
    "push": {
        "user_name": ACTOR["name"], "user_username": ACTOR["username"],
        "user_email": "[REDACTED]", "user_avatar": AVATAR, "total_commits_count": 2,
        "commits.0.message": "Add token bucket to the rate limiter\n",
        "commits.0.title": "Add token bucket to the rate limiter",
        "commits.0.added": ["app/middleware/token_bucket.rb"],
        "commits.0.modified": ["app/middleware/rate_limit.rb"],
        "commits.1.message": "Apply rate limiting to /v1/orders\n",
        "commits.1.title": "Apply rate limiting to /v1/orders",
        "commits.1.added": [], "commits.1.modified": ["config/routes.rb"],
        "commits.0.author": {"name": ACTOR["name"], "email": "jenny.rosen@example.com"},
        "commits.1.author": {"name": ACTOR["name"], "email": "jenny.rosen@example.com"},
    },
    "tag_push": {"user_name": ACTOR["name"], "user_avatar": AVATAR},
    "merge_request": {
        "object_attributes.title": "Add rate limiting to orders endpoint",
        "object_attributes.source_branch": "feature/rate-limit",
        "object_attributes.description": "Adds a token-bucket rate limiter to the orders endpoint.\n\nCloses #31",
        "object_attributes.last_commit.message": "Add rate limiting to orders endpoint\n",
        "object_attributes.last_commit.title": "Add rate limiting to orders endpoint",
        "object_attributes.last_commit.author": {"name": ACTOR["name"], "email": "jenny.rosen@example.com"},
    },
    "note": {
        "object_attributes.note": "Could we make the bucket size configurable per client?",
        "merge_request.title": "Add rate limiting to orders endpoint",
        "merge_request.source_branch": "feature/rate-limit",
        "merge_request.target_branch": "main",
        "merge_request.description": "Adds a token-bucket rate limiter to the orders endpoint.\n\nCloses #31",
        "merge_request.last_commit.timestamp": "2025-11-24T19:40:02+00:00",
        "merge_request.last_commit.message": "Add rate limiting to orders endpoint\n",
        "merge_request.last_commit.author": {"name": ACTOR["name"], "email": "jenny.rosen@example.com"},
    },
    "pipeline": {"commit.author": {"name": ACTOR["name"], "email": "jenny.rosen@example.com"}},
    "build": {"project_name": PROJECT_PATH, "repository.name": "api-service",
              "commit.author_name": ACTOR["name"], "commit.author_email": "jenny.rosen@example.com"},
    "release": {"commit.author": {"name": ACTOR["name"], "email": "jenny.rosen@example.com"}},
    "member": {
        "group_name": GROUP["name"], "group_path": GROUP["path"], "group_id": GROUP["id"],
        "user_username": OTHER["username"], "user_name": OTHER["name"],
        "user_email": "sam.patel@example.com", "user_id": OTHER["id"],
    },
    "project": {
        "name": "billing-service", "path": "billing-service",
        "path_with_namespace": f"{GROUP['path']}/billing-service",
        "owners": [{"name": ACTOR["name"], "email": "jenny.rosen@example.com"}],
    },
    "subgroup": {
        "name": "platform", "path": "platform", "full_path": f"{GROUP['path']}/platform",
        "parent_group_id": GROUP["id"], "parent_name": GROUP["name"],
        "parent_path": GROUP["path"], "parent_full_path": GROUP["path"],
    },
    # The token's own bot user.
    "access_token": {"object_attributes.name": "deploy-bot", "object_attributes.user_id": 31},
    "vulnerability": {"object_attributes.project_id": PROJECT["id"]},
}

FRESH = {
    "push": {"after": "{hex:40}", "checkout_sha": "{ref:after}", "commits.1.id": "{ref:after}",
             "commits.1.url": f"{HOST}/{PROJECT_PATH}/-/commit/{{ref:after}}",
             "commits.0.id": "{hex:40}",
             "commits.0.url": f"{HOST}/{PROJECT_PATH}/-/commit/{{ref:commits.0.id}}"},
    "tag_push": {"after": "{hex:40}", "checkout_sha": "{ref:after}"},
    "issue": {"object_attributes.id": "1{digits:8}"},
    "work_item": {"object_attributes.id": "1{digits:8}"},
    "note": {"object_attributes.id": "2{digits:9}",
             "object_attributes.url": f"{HOST}/{PROJECT_PATH}/-/merge_requests/1#note_{{ref:object_attributes.id}}"},
    "merge_request": {"object_attributes.id": "3{digits:8}",
                      "object_attributes.last_commit.id": "{hex:40}",
                      "object_attributes.last_commit.url":
                          f"{HOST}/{PROJECT_PATH}/-/commit/{{ref:object_attributes.last_commit.id}}"},
    "wiki_page": {"object_attributes.version_id": "{hex:40}"},
    "pipeline": {"object_attributes.id": "1{digits:9}", "object_attributes.sha": "{hex:40}",
                 "commit.id": "{ref:object_attributes.sha}",
                 "commit.url": f"{HOST}/{PROJECT_PATH}/-/commit/{{ref:object_attributes.sha}}",
                 "object_attributes.url": f"{HOST}/{PROJECT_PATH}/-/pipelines/{{ref:object_attributes.id}}",
                 "builds.0.id": "1{digits:10}", "builds.1.id": "1{digits:10}",
                 "builds.2.id": "1{digits:10}", "builds.3.id": "1{digits:10}",
                 "builds.4.id": "1{digits:10}"},
    "build": {"build_id": "1{digits:10}", "pipeline_id": "1{digits:9}", "commit.id": "{ref:pipeline_id}",
              "sha": "{hex:40}", "before_sha": "{ref:sha}", "commit.sha": "{ref:sha}"},
    "deployment": {"deployment_id": "1{digits:8}", "deployable_id": "1{digits:10}",
                   "deployable_url": f"{HOST}/{PROJECT_PATH}/-/jobs/{{ref:deployable_id}}"},
    "feature_flag": {"object_attributes.id": "1{digits:5}"},
    "release": {"commit.id": "{hex:40}",
                "commit.url": f"{HOST}/{PROJECT_PATH}/-/commit/{{ref:commit.id}}"},
    "milestone": {"object_attributes.id": "1{digits:6}"},
    "emoji": {"object_attributes.id": "1{digits:7}"},
    "access_token": {"object_attributes.id": "1{digits:6}"},
    "project": {"project_id": "1{digits:7}"},
    "subgroup": {"group_id": "1{digits:7}"},
}

# The main object's own times that the docs' examples leave far older than
# the change the event reports (an issue created in 2013 beside a change made
# now): these are set to now plus the offset given, in the field's own form.
# (The examples' `changes` say updated_at went from a minute ago to now: the
# object was created then.)
NOW = {
    "issue": {"object_attributes.created_at": -65, "object_attributes.updated_at": 0},
    "work_item": {"object_attributes.created_at": -65, "object_attributes.updated_at": 0},
    "merge_request": {"object_attributes.created_at": -65, "object_attributes.updated_at": 0,
                      "object_attributes.last_edited_at": 0, "object_attributes.prepared_at": -60,
                      "object_attributes.last_commit.timestamp": -300,
                      "changes.updated_at.previous": -65, "changes.updated_at.current": 0},
    # A comment made now, on a merge request updated then.
    "note": {"object_attributes.created_at": 0, "object_attributes.updated_at": 0,
             "merge_request.updated_at": 0},
}


def work_item_from_issue(issue):
    """The docs describe work items by difference from the issue example."""
    body = json.loads(json.dumps(issue))
    body["object_kind"] = body["event_type"] = "work_item"
    attrs = body["object_attributes"]
    attrs["type"] = "Task"
    attrs["title"] = "Write the rate-limit runbook"
    attrs["description"] = "Document how to raise a client's limit."
    attrs["url"] = f"{HOST}/{PROJECT_PATH}/-/work_items/24"
    attrs["iid"] = 24
    return body


def build_body(name, example):
    body = people_and_projects(replace_strings(example["payload"]))
    latest = max(times(body), default=None)
    if latest:
        # Whole seconds: the latest moment's second is LATEST's.
        body = shift_times(body, LATEST - latest.replace(microsecond=0))
    if name in ("issue", "work_item"):
        attrs = body["object_attributes"]
        # Only issue types that support escalation (incidents) carry these.
        for k in ("escalation_status", "escalation_policy"):
            attrs.pop(k, None)
        attrs["severity"] = "unknown"
        attrs["title"] = attrs["title"] if name == "work_item" else "Orders endpoint returns 500 under load"
        attrs["description"] = attrs["description"] if name == "work_item" else \
            "Bursts of more than 200 requests a second fail with 500."
    key = family(name, example)
    for path, value in PATCH.get(key, {}).items():
        set_path(body, path, value)
    now = NOW.get(key, {})
    for path in now:
        get_path(body, path)  # must exist
    return body, {**FRESH.get(key, {}), **fresh_times(body, now)}


def fixture(name, example, body, fresh):
    for path in fresh:
        get_path(body, path)  # must exist
    return {
        "event": name,
        "description": DESCRIPTIONS[name],
        "source": f"{SOURCE}, \"{example['section']}\""
                  + (f" / \"{example['variant']}\"" if example.get("variant") else ""),
        "content_type": "application/json",
        "style": "compact",
        "headers": {
            "X-Gitlab-Event": example["header"],
            "X-Gitlab-Event-UUID": "{uuid}",
            "X-Gitlab-Webhook-UUID": "6a0e3b0c-3f5e-4c1b-9a77-2d1f8e4b5c60",
            "X-Gitlab-Instance": HOST,
            "Idempotency-Key": "{uuid}",
        },
        "fresh": fresh,
        "body": body,
    }


def main():
    doc = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DOC
    types, examples = parse_doc(doc.read_text())
    by_name = {}
    for ex in examples:
        by_name.setdefault(event_name(ex), []).append(ex)
    # Work items other than issues: object_kind work_item, same header.
    issue = by_name["issue"][0]
    derived = {**issue, "variant": "work item other than an issue (derived from the issue example)",
               "payload": work_item_from_issue(issue["payload"])}
    by_name["work_item"] = [derived]

    out_dir = ROOT / "fixtures/gitlab"
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.json"):
        if not old.name.startswith("_"):
            old.unlink()
    chosen = {}
    for name, exs in by_name.items():
        want = DEFAULT_VARIANT.get(name)
        ex = next((e for e in exs if e["variant"] == want), exs[0]) if want else exs[0]
        if want and ex["variant"] != want:
            raise SystemExit(f"{name}: no example {want!r}")
        chosen[name] = ex
        body, fresh = build_body(name, ex)
        path = out_dir / (name.replace("/", "_") + ".json")
        path.write_text(json.dumps(fixture(name, ex, body, fresh), indent=2, ensure_ascii=False) + "\n")

    section_names = {slug(t["anchor"]) for t in types}
    sections = {slug(ex["section"]) for ex in examples}
    missing = section_names - sections
    if missing:
        raise SystemExit(f"documented event types without a payload example: {sorted(missing)}")
    data = {
        "source": SOURCE,
        "doc": {"repo": "gitlabhq/gitlabhq", "path": DOC_PATH, "commit": DOC_COMMIT},
        "licence": "GitLab documentation, CC BY-SA 4.0",
        "note": "hookcli reads a GitLab event's name from object_kind, else from event_name, "
                "else from X-Gitlab-Event; one fixture stands for each such name (its example has "
                "fixture: true), the other examples of a name are variants no name can reach.",
        "event_types": [
            {**t, "events": sorted({event_name(e) for e in examples if slug(e["section"]) == t["anchor"]}
                                   | ({"work_item"} if t["anchor"] == "work-item-events" else set()))}
            for t in types
        ],
        "events": sorted(by_name),
        "examples": [
            {"event": event_name(e), "section": e["section"], "variant": e["variant"],
             "header": e["header"], "fixture": chosen[event_name(e)] is e,
             "keys": list(e["payload"].keys())}
            for e in examples + [derived]
        ],
    }
    data_dir = ROOT / "tests/data/gitlab"
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "events.json").write_text(json.dumps(data, indent=2) + "\n")
    print(f"gitlab: {len(by_name)} events from {len(examples)} payload examples "
          f"of {len(types)} documented event types")


if __name__ == "__main__":
    main()
