
use builtin;
use str;

set edit:completion:arg-completer[hookcli] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'hookcli'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'hookcli'= {
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand listen 'Capture webhook deliveries: record each one, check its signature, forward it to your app'
            cand list 'List recorded deliveries, newest first'
            cand show 'Show one recorded delivery: request, verdict and every attempt'
            cand verify 'Re-check a recorded delivery''s signature offline and explain the verdict'
            cand relay 'Run the public side of the tunnel: deliveries to /<channel>/... reach `listen --relay` clients'
            cand check 'Check how an endpoint handles signatures, replays, duplicates, content types and timing'
            cand replay 'Re-send recorded deliveries, exactly or re-signed; one, or all that failed'
            cand inspect 'Open a local web page over the store: a live list, each delivery''s story, replay and edit-then-replay'
            cand send 'Send a realistic, correctly signed sample event to a URL'
            cand keygen 'Make a key pair for an asymmetric scheme: the private key signs (send, check), the public key verifies (listen, verify)'
            cand providers 'List the providers and their schemes; or one provider''s events and flows'
            cand completions 'Print a shell completion script'
            cand config 'Show the settings in force and where each comes from (flags aside)'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookcli;listen'= {
            cand --port 'Port to listen on (0 picks a free one; the banner says which)'
            cand --bind 'Address to bind, HOST or HOST:PORT; loopback unless you mean to expose it'
            cand --path 'Only requests under this path prefix are deliveries; others get 404'
            cand -u 'Forward every delivery to this URL (the path below --path is appended)'
            cand --url 'Forward every delivery to this URL (the path below --path is appended)'
            cand --route 'Forward matching deliveries elsewhere: /PREFIX=URL, PROVIDER=URL or PROVIDER:EVENT-GLOB=URL'
            cand --timeout 'How long the app may take (raise it to sit in a debugger)'
            cand --ca 'Trust this PEM certificate for HTTPS: the app''s and the relay''s (a self-signed one)'
            cand --forward-ca 'The old spelling of --ca for the app alone'
            cand -p 'Provider of the deliveries (default: recognised from each one''s headers)'
            cand --provider 'Provider of the deliveries (default: recognised from each one''s headers)'
            cand --secret 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)'
            cand --secret-env 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider''s (repeatable). Unnamed, each provider''s own variable is read (`hookcli providers` names it)'
            cand --enforce 'Answer 401 to deliveries whose signature is invalid (they are still recorded); =strict also to those no secret could check'
            cand --respond 'Status to answer when not forwarding'
            cand --store 'Store folder (default: the platform data folder + hookcli)'
            cand --max-body 'Largest body accepted; larger ones get 413 and are recorded without their body (e.g. 25MiB, 1MB, 65536)'
            cand --public-url 'The public URL the provider sends to, for schemes that sign the URL (Twilio)'
            cand --tolerance 'Timestamp tolerance, overriding the provider''s (e.g. 10m)'
            cand --header-timeout 'Cut off a connection without a complete request head this long after it opened or was last answered'
            cand --body-timeout 'Answer 408 to a body that has not arrived whole in this time (it is not recorded)'
            cand --max-connections 'Open connections at most (default: up to 4096, below the descriptor limit); past it the longest-idle one is closed, else newcomers wait'
            cand --body-budget 'Body bytes all requests in flight may hold at once (default: twice --max-body, at least 64MiB); past it, 503 with Retry-After'
            cand --relay 'Also take deliveries from this `hookcli relay` (https://relay.example.com)'
            cand --channel 'The relay channel: public deliveries go to RELAY/CHANNEL/...'
            cand --token 'The relay''s token (prefer --token-env)'
            cand --token-env 'Read the relay''s token from this environment variable (wins over --token and HOOKCLI_RELAY_TOKEN)'
            cand --relay-ca 'The old spelling of --ca for the relay alone'
            cand --inspect 'Also serve the inspector page on 127.0.0.1:PORT (default 4040), over the same store'
            cand --max-offline 'Exit non-zero after this long without a relay connection (e.g. 10m), so a supervisor can restart listen'
            cand --hmac-header 'Header that carries the signature'
            cand --hmac-prefix 'Text before the signature in the header value, e.g. `sha256=`'
            cand --hmac-algorithm 'Digest of the HMAC'
            cand --hmac-encoding 'How the signature bytes are written'
            cand --hmac-template 'The signed string: {body}, {timestamp}, {method} and {url} are filled in'
            cand --hmac-timestamp-header 'Header that carries the Unix timestamp used by {timestamp}'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --insecure 'Accept any certificate from an HTTPS app (a local self-signed one); never from the relay'
            cand --json 'Print one JSON object per line (a banner, then one per delivery)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'hookcli;list'= {
            cand --store 'Store folder (default: the platform data folder + hookcli)'
            cand -n 'How many deliveries to show'
            cand --limit 'How many deliveries to show'
            cand -p 'Only this provider''s deliveries'
            cand --provider 'Only this provider''s deliveries'
            cand -e 'Only these event types (`*` matches anything: ''invoice.*'')'
            cand --event 'Only these event types (`*` matches anything: ''invoice.*'')'
            cand --since 'Only deliveries received within this long (e.g. 1h, 30m, 2d)'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --failed 'Only deliveries whose last attempt failed (non-2xx or no answer)'
            cand --json 'One JSON object per delivery per line'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;show'= {
            cand --store 'Store folder (default: the platform data folder + hookcli)'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --json 'The portable JSON document (`send --from` reads it)'
            cand --body 'Only the raw body bytes'
            cand --headers 'Only the headers, as received'
            cand --curl 'A curl command that sends the same request again (binary-safe)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;verify'= {
            cand --store 'Store folder (default: the platform data folder + hookcli)'
            cand -p 'Provider scheme to check with (default: the one recorded)'
            cand --provider 'Provider scheme to check with (default: the one recorded)'
            cand --secret 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)'
            cand --secret-env 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider''s (repeatable). Unnamed, each provider''s own variable is read (`hookcli providers` names it)'
            cand --tolerance 'Timestamp tolerance, overriding the provider''s (e.g. 10m)'
            cand --hmac-header 'Header that carries the signature'
            cand --hmac-prefix 'Text before the signature in the header value, e.g. `sha256=`'
            cand --hmac-algorithm 'Digest of the HMAC'
            cand --hmac-encoding 'How the signature bytes are written'
            cand --hmac-template 'The signed string: {body}, {timestamp}, {method} and {url} are filled in'
            cand --hmac-timestamp-header 'Header that carries the Unix timestamp used by {timestamp}'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --now 'Judge the timestamp against now instead of the moment it arrived'
            cand --json 'One JSON object with the verdict and the findings'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;relay'= {
            cand --bind 'Address to listen on, HOST or HOST:PORT (0.0.0.0:443 on a public host)'
            cand --port 'Port to listen on, unless --bind names one (0 picks a free one)'
            cand --token 'The token clients must present (prefer --token-env)'
            cand --token-env 'Read the token from this environment variable (wins over --token and HOOKCLI_RELAY_TOKEN)'
            cand --tls-cert 'PEM certificate chain for HTTPS'
            cand --tls-key 'PEM private key for HTTPS'
            cand --public-url 'The public URL providers use, when it differs from the bound address (behind a load balancer)'
            cand --timeout 'How long a client may take to answer a delivery (then 504)'
            cand --buffer 'Keep deliveries for absent clients in this store folder (no folder with --database-url: in PostgreSQL); answer 202 and deliver them in order later'
            cand --database-url 'Share the buffer and the per-developer tokens with every relay instance on this PostgreSQL database (postgres://USER:PASSWORD@HOST:PORT/DB)'
            cand --max-body 'Largest body accepted (e.g. 25MiB)'
            cand --header-timeout 'Cut off a connection without a complete request head this long after it opened or was last answered'
            cand --body-timeout 'Answer 408 to a body that has not arrived whole in this time'
            cand --max-connections 'Open connections at most, clients'' included (default: up to 4096, below the descriptor limit); past it the longest-idle one is closed, else newcomers wait'
            cand --body-budget 'Body bytes all requests in flight may hold at once (default: twice --max-body, at least 64MiB); past it, 503 with Retry-After'
            cand --threads 'Threads serving connections. On one, a delivery''s hand-offs wake no other thread, which costs less CPU; at about 25µs of CPU a delivery (a TLS handshake more on a new connection), one is plenty for a team. Scale out with more instances, or raise this on a big host'
            cand --tokens 'Also accept the per-developer tokens in this file, each for its own channels (`relay token add` writes it)'
            cand --metrics-token-env 'Serve GET /metrics on the public port to bearers of the token in this environment variable'
            cand --metrics-bind 'Serve GET /metrics, with no token, on this address of its own (127.0.0.1:9187)'
            cand --log-format 'Log lines for people, or one JSON object per line with one per delivery'
            cand --allow-from 'Take deliveries only from this address range (repeatable); others get 403'
            cand --trusted-proxy 'Believe X-Forwarded-For from this proxy''s addresses (repeatable), for --allow-from and the logs'' sender'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand -h 'Print help'
            cand --help 'Print help'
            cand token 'Per-developer tokens: each attaches only to the channels its pattern matches'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookcli;relay;token'= {
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand -h 'Print help'
            cand --help 'Print help'
            cand add 'Make a token for the channels matching a pattern; print it once'
            cand list 'Show the tokens: id, channel pattern, note, created, revoked (never the tokens)'
            cand revoke 'Revoke a token: its client is cut off within seconds'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookcli;relay;token;add'= {
            cand --tokens 'The token file (SQLite; created by the first `add`)'
            cand --database-url 'The relays'' PostgreSQL database instead (postgres://USER:PASSWORD@HOST:PORT/DB)'
            cand --channel 'The channels it may attach to, a glob: ''alice-*'', ''team-[ab]'', ''dev'''
            cand --note 'Whose it is, shown by `list`'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;relay;token;list'= {
            cand --tokens 'The token file (SQLite; created by the first `add`)'
            cand --database-url 'The relays'' PostgreSQL database instead (postgres://USER:PASSWORD@HOST:PORT/DB)'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --json 'One JSON object per token per line'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;relay;token;revoke'= {
            cand --tokens 'The token file (SQLite; created by the first `add`)'
            cand --database-url 'The relays'' PostgreSQL database instead (postgres://USER:PASSWORD@HOST:PORT/DB)'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;relay;token;help'= {
            cand add 'Make a token for the channels matching a pattern; print it once'
            cand list 'Show the tokens: id, channel pattern, note, created, revoked (never the tokens)'
            cand revoke 'Revoke a token: its client is cut off within seconds'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookcli;relay;token;help;add'= {
        }
        &'hookcli;relay;token;help;list'= {
        }
        &'hookcli;relay;token;help;revoke'= {
        }
        &'hookcli;relay;token;help;help'= {
        }
        &'hookcli;relay;help'= {
            cand token 'Per-developer tokens: each attaches only to the channels its pattern matches'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookcli;relay;help;token'= {
            cand add 'Make a token for the channels matching a pattern; print it once'
            cand list 'Show the tokens: id, channel pattern, note, created, revoked (never the tokens)'
            cand revoke 'Revoke a token: its client is cut off within seconds'
        }
        &'hookcli;relay;help;token;add'= {
        }
        &'hookcli;relay;help;token;list'= {
        }
        &'hookcli;relay;help;token;revoke'= {
        }
        &'hookcli;relay;help;help'= {
        }
        &'hookcli;check'= {
            cand -p 'Provider whose deliveries to imitate (required unless hookcli.toml sets one)'
            cand --provider 'Provider whose deliveries to imitate (required unless hookcli.toml sets one)'
            cand -u 'The endpoint to check'
            cand --url 'The endpoint to check'
            cand --secret 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)'
            cand --secret-env 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider''s (repeatable). Unnamed, each provider''s own variable is read (`hookcli providers` names it)'
            cand -e 'Sample event to use (default: the provider''s most common one)'
            cand --event 'Sample event to use (default: the provider''s most common one)'
            cand --format 'Report format'
            cand -o 'Write the report here (the summary line still goes to stdout)'
            cand --output 'Write the report here (the summary line still goes to stdout)'
            cand --case 'Run only these cases (repeatable)'
            cand --skip 'Leave out these cases (repeatable)'
            cand --timeout 'How long each request may take (default: the provider''s delivery timeout + 2 s)'
            cand --from 'Build the battery from a recorded delivery: a store id (or `last`), a portable document (`show --json`), or a folder of them (one battery each)'
            cand --store 'Store folder (default: the platform data folder + hookcli)'
            cand --mode 'Only this delivery mode, for providers with several (twilio: form, json, and hmac-sha256 only when named; slack: events, interactivity, slash-command; mailgun: json, form)'
            cand --public-url 'The URL the provider calls when it differs from --url (a tunnel or proxy in front): URL-signing schemes (Twilio, Square, HubSpot) are signed for it'
            cand -c 'How many cases are in flight at once (1, the default, keeps timings honest on a small dev server)'
            cand --concurrency 'How many cases are in flight at once (1, the default, keeps timings honest on a small dev server)'
            cand --ca 'Trust this PEM certificate for an HTTPS endpoint'
            cand --hmac-header 'Header that carries the signature'
            cand --hmac-prefix 'Text before the signature in the header value, e.g. `sha256=`'
            cand --hmac-algorithm 'Digest of the HMAC'
            cand --hmac-encoding 'How the signature bytes are written'
            cand --hmac-template 'The signed string: {body}, {timestamp}, {method} and {url} are filled in'
            cand --hmac-timestamp-header 'Header that carries the Unix timestamp used by {timestamp}'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --json 'Same as --format json'
            cand --strict 'Exit 1 when a case warned, too'
            cand --insecure 'Accept any certificate from an HTTPS endpoint (a local self-signed one)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'hookcli;replay'= {
            cand --since 'Only deliveries received within this long (e.g. 1h)'
            cand -p 'Only this provider''s deliveries; with --resign, also the scheme to sign with'
            cand --provider 'Only this provider''s deliveries; with --resign, also the scheme to sign with'
            cand -e 'Only these event types (`*` matches anything)'
            cand --event 'Only these event types (`*` matches anything)'
            cand -u 'Send here instead of the original forward target (the delivery''s path is appended)'
            cand --url 'Send here instead of the original forward target (the delivery''s path is appended)'
            cand --secret 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)'
            cand --secret-env 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider''s (repeatable). Unnamed, each provider''s own variable is read (`hookcli providers` names it)'
            cand --set 'Set one JSON field of the body before sending (re-signed; repeatable)'
            cand -d 'Replace the body: @FILE, - or text (re-signed)'
            cand --data 'Replace the body: @FILE, - or text (re-signed)'
            cand -c 'How many replays are in flight at once (1 keeps the original order)'
            cand --concurrency 'How many replays are in flight at once (1 keeps the original order)'
            cand --rate 'At most this many replays per second'
            cand --timeout 'How long to wait for each answer'
            cand --ca 'Trust this PEM certificate for an HTTPS endpoint'
            cand --store 'Store folder (default: the platform data folder + hookcli)'
            cand --hmac-header 'Header that carries the signature'
            cand --hmac-prefix 'Text before the signature in the header value, e.g. `sha256=`'
            cand --hmac-algorithm 'Digest of the HMAC'
            cand --hmac-encoding 'How the signature bytes are written'
            cand --hmac-template 'The signed string: {body}, {timestamp}, {method} and {url} are filled in'
            cand --hmac-timestamp-header 'Header that carries the Unix timestamp used by {timestamp}'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --failed 'Every delivery whose last attempt failed (non-2xx or no answer): the dead-letter queue'
            cand --all 'Every delivery (narrow it with --since, --provider, --event)'
            cand --resign 'Sign again over the same body with a fresh timestamp, in the provider''s scheme'
            cand --new-id 'Give each event a fresh id, so the receiver treats it as new (needs --resign)'
            cand --dry-run 'Print what would be sent, and where, and send nothing'
            cand --json 'One JSON object per replay, then a summary object'
            cand --insecure 'Accept any certificate from an HTTPS endpoint (a local self-signed one)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;inspect'= {
            cand --store 'Store folder (default: the platform data folder + hookcli)'
            cand --port 'Port to serve the page on (0 picks a free one; the printed URL says which)'
            cand --bind 'Address to bind, HOST or HOST:PORT; loopback unless you mean to expose it (the token still guards it)'
            cand -p 'Re-sign replays in this provider''s scheme (default: each delivery''s recorded provider)'
            cand --provider 'Re-sign replays in this provider''s scheme (default: each delivery''s recorded provider)'
            cand --secret-env 'Read the secret for re-signed replays from this environment variable (the page never sees it)'
            cand --header-timeout 'Cut off a connection without a complete request head this long after it opened or was last answered'
            cand --max-connections 'Open connections at most (default: up to 4096, below the descriptor limit)'
            cand --ca 'Trust this PEM certificate for an HTTPS endpoint'
            cand --hmac-header 'Header that carries the signature'
            cand --hmac-prefix 'Text before the signature in the header value, e.g. `sha256=`'
            cand --hmac-algorithm 'Digest of the HMAC'
            cand --hmac-encoding 'How the signature bytes are written'
            cand --hmac-template 'The signed string: {body}, {timestamp}, {method} and {url} are filled in'
            cand --hmac-timestamp-header 'Header that carries the Unix timestamp used by {timestamp}'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --open 'Open the page in the default browser'
            cand --insecure 'Accept any certificate from an HTTPS endpoint (a local self-signed one)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;send'= {
            cand -p 'Provider whose scheme and sample events to use (see `hookcli providers`). (Required, unless --from is given or hookcli.toml sets a provider.)'
            cand --provider 'Provider whose scheme and sample events to use (see `hookcli providers`). (Required, unless --from is given or hookcli.toml sets a provider.)'
            cand --from 'Re-send exported deliveries (`hookcli show ID --json`): files, or folders of *.json in name order'
            cand -e 'Event to send: a name (invoice.paid), EVENT for its main action (pull_request), or a glob (''invoice.*''); repeatable, sent in order. Default: the provider''s most common event. `hookcli providers PROVIDER` lists them'
            cand --event 'Event to send: a name (invoice.paid), EVENT for its main action (pull_request), or a glob (''invoice.*''); repeatable, sent in order. Default: the provider''s most common event. `hookcli providers PROVIDER` lists them'
            cand --flow 'Send the events of one real action in order, ids consistent (`--flow` alone lists them)'
            cand --delay 'Pause between the events of a flow or series'
            cand --base 'Merge this partial JSON document over each generated event: your fields win, the rest stays realistic'
            cand -u 'Where to send it (default: a local `hookcli listen`, on hookcli.toml''s port if it sets one)'
            cand --url 'Where to send it (default: a local `hookcli listen`, on hookcli.toml''s port if it sets one)'
            cand --secret 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)'
            cand --secret-env 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider''s (repeatable). Unnamed, each provider''s own variable is read (`hookcli providers` names it)'
            cand -d 'Replace the payload: @FILE, - (standard input), or the text itself. Signed byte for byte'
            cand --data 'Replace the payload: @FILE, - (standard input), or the text itself. Signed byte for byte'
            cand --set 'Set one JSON field of the payload, e.g. data.object.amount=5000 (repeatable)'
            cand -H 'Add a header, `Name: value` (repeatable)'
            cand --header 'Add a header, `Name: value` (repeatable)'
            cand --tamper 'Send a deliberately faulty delivery, to see that the receiver rejects it'
            cand --timestamp 'Sign with this Unix time instead of now'
            cand --expect-status 'Exit 1 unless the receiver answers this status'
            cand --timeout 'How long to wait for the receiver'
            cand --ca 'Trust this PEM certificate for an HTTPS endpoint'
            cand --hmac-header 'Header that carries the signature'
            cand --hmac-prefix 'Text before the signature in the header value, e.g. `sha256=`'
            cand --hmac-algorithm 'Digest of the HMAC'
            cand --hmac-encoding 'How the signature bytes are written'
            cand --hmac-template 'The signed string: {body}, {timestamp}, {method} and {url} are filled in'
            cand --hmac-timestamp-header 'Header that carries the Unix timestamp used by {timestamp}'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --resign 'With --from: sign again with a fresh timestamp (needs the secret)'
            cand --rehash 'With --from: accept a document whose body was edited after export (its body_sha256 is computed anew); add --resign so the signature covers the edited body'
            cand --print 'Print the exact request (headers and body) and send nothing'
            cand --json 'Print one JSON object describing the request and the response (one per line for a series or flow, then a summary)'
            cand --insecure 'Accept any certificate from an HTTPS endpoint (a local self-signed one)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'hookcli;keygen'= {
            cand -p 'The asymmetric scheme to make keys for'
            cand --provider 'The asymmetric scheme to make keys for'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --json 'One JSON object instead of lines'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;providers'= {
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --json 'Print one JSON document instead of a table'
            cand --names 'Print the event names alone, one a line (for shell completion)'
            cand --flow-names 'Print the flow names alone, one a line (for shell completion)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;completions'= {
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;config'= {
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --json 'One JSON object instead of lines'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;man'= {
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;help'= {
            cand listen 'Capture webhook deliveries: record each one, check its signature, forward it to your app'
            cand list 'List recorded deliveries, newest first'
            cand show 'Show one recorded delivery: request, verdict and every attempt'
            cand verify 'Re-check a recorded delivery''s signature offline and explain the verdict'
            cand relay 'Run the public side of the tunnel: deliveries to /<channel>/... reach `listen --relay` clients'
            cand check 'Check how an endpoint handles signatures, replays, duplicates, content types and timing'
            cand replay 'Re-send recorded deliveries, exactly or re-signed; one, or all that failed'
            cand inspect 'Open a local web page over the store: a live list, each delivery''s story, replay and edit-then-replay'
            cand send 'Send a realistic, correctly signed sample event to a URL'
            cand keygen 'Make a key pair for an asymmetric scheme: the private key signs (send, check), the public key verifies (listen, verify)'
            cand providers 'List the providers and their schemes; or one provider''s events and flows'
            cand completions 'Print a shell completion script'
            cand config 'Show the settings in force and where each comes from (flags aside)'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookcli;help;listen'= {
        }
        &'hookcli;help;list'= {
        }
        &'hookcli;help;show'= {
        }
        &'hookcli;help;verify'= {
        }
        &'hookcli;help;relay'= {
            cand token 'Per-developer tokens: each attaches only to the channels its pattern matches'
        }
        &'hookcli;help;relay;token'= {
            cand add 'Make a token for the channels matching a pattern; print it once'
            cand list 'Show the tokens: id, channel pattern, note, created, revoked (never the tokens)'
            cand revoke 'Revoke a token: its client is cut off within seconds'
        }
        &'hookcli;help;relay;token;add'= {
        }
        &'hookcli;help;relay;token;list'= {
        }
        &'hookcli;help;relay;token;revoke'= {
        }
        &'hookcli;help;check'= {
        }
        &'hookcli;help;replay'= {
        }
        &'hookcli;help;inspect'= {
        }
        &'hookcli;help;send'= {
        }
        &'hookcli;help;keygen'= {
        }
        &'hookcli;help;providers'= {
        }
        &'hookcli;help;completions'= {
        }
        &'hookcli;help;config'= {
        }
        &'hookcli;help;man'= {
        }
        &'hookcli;help;help'= {
        }
    ]
    $completions[$command]
}
