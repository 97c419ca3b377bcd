
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'hookcli' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'hookcli'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'hookcli' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Capture webhook deliveries: record each one, check its signature, forward it to your app')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List recorded deliveries, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one recorded delivery: request, verdict and every attempt')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-check a recorded delivery''s signature offline and explain the verdict')
            [CompletionResult]::new('relay', 'relay', [CompletionResultType]::ParameterValue, 'Run the public side of the tunnel: deliveries to /<channel>/... reach `listen --relay` clients')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check how an endpoint handles signatures, replays, duplicates, content types and timing')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Re-send recorded deliveries, exactly or re-signed; one, or all that failed')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Open a local web page over the store: a live list, each delivery''s story, replay and edit-then-replay')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a realistic, correctly signed sample event to a URL')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make a key pair for an asymmetric scheme: the private key signs (send, check), the public key verifies (listen, verify)')
            [CompletionResult]::new('providers', 'providers', [CompletionResultType]::ParameterValue, 'List the providers and their schemes; or one provider''s events and flows')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the settings in force and where each comes from (flags aside)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookcli;listen' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on (0 picks a free one; the banner says which)')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to bind, HOST or HOST:PORT; loopback unless you mean to expose it')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Only requests under this path prefix are deliveries; others get 404')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Forward every delivery to this URL (the path below --path is appended)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Forward every delivery to this URL (the path below --path is appended)')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'Forward matching deliveries elsewhere: /PREFIX=URL, PROVIDER=URL or PROVIDER:EVENT-GLOB=URL')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long the app may take (raise it to sit in a debugger)')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust this PEM certificate for HTTPS: the app''s and the relay''s (a self-signed one)')
            [CompletionResult]::new('--forward-ca', '--forward-ca', [CompletionResultType]::ParameterName, 'The old spelling of --ca for the app alone')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Provider of the deliveries (default: recognised from each one''s headers)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Provider of the deliveries (default: recognised from each one''s headers)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider''s (repeatable). Unnamed, each provider''s own variable is read (`hookcli providers` names it)')
            [CompletionResult]::new('--enforce', '--enforce', [CompletionResultType]::ParameterName, 'Answer 401 to deliveries whose signature is invalid (they are still recorded); =strict also to those no secret could check')
            [CompletionResult]::new('--respond', '--respond', [CompletionResultType]::ParameterName, 'Status to answer when not forwarding')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store folder (default: the platform data folder + hookcli)')
            [CompletionResult]::new('--max-body', '--max-body', [CompletionResultType]::ParameterName, 'Largest body accepted; larger ones get 413 and are recorded without their body (e.g. 25MiB, 1MB, 65536)')
            [CompletionResult]::new('--public-url', '--public-url', [CompletionResultType]::ParameterName, 'The public URL the provider sends to, for schemes that sign the URL (Twilio)')
            [CompletionResult]::new('--tolerance', '--tolerance', [CompletionResultType]::ParameterName, 'Timestamp tolerance, overriding the provider''s (e.g. 10m)')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'Cut off a connection without a complete request head this long after it opened or was last answered')
            [CompletionResult]::new('--body-timeout', '--body-timeout', [CompletionResultType]::ParameterName, 'Answer 408 to a body that has not arrived whole in this time (it is not recorded)')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Open connections at most (default: up to 4096, below the descriptor limit); past it the longest-idle one is closed, else newcomers wait')
            [CompletionResult]::new('--body-budget', '--body-budget', [CompletionResultType]::ParameterName, 'Body bytes all requests in flight may hold at once (default: twice --max-body, at least 64MiB); past it, 503 with Retry-After')
            [CompletionResult]::new('--relay', '--relay', [CompletionResultType]::ParameterName, 'Also take deliveries from this `hookcli relay` (https://relay.example.com)')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'The relay channel: public deliveries go to RELAY/CHANNEL/...')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'The relay''s token (prefer --token-env)')
            [CompletionResult]::new('--token-env', '--token-env', [CompletionResultType]::ParameterName, 'Read the relay''s token from this environment variable (wins over --token and HOOKCLI_RELAY_TOKEN)')
            [CompletionResult]::new('--relay-ca', '--relay-ca', [CompletionResultType]::ParameterName, 'The old spelling of --ca for the relay alone')
            [CompletionResult]::new('--inspect', '--inspect', [CompletionResultType]::ParameterName, 'Also serve the inspector page on 127.0.0.1:PORT (default 4040), over the same store')
            [CompletionResult]::new('--max-offline', '--max-offline', [CompletionResultType]::ParameterName, 'Exit non-zero after this long without a relay connection (e.g. 10m), so a supervisor can restart listen')
            [CompletionResult]::new('--hmac-header', '--hmac-header', [CompletionResultType]::ParameterName, 'Header that carries the signature')
            [CompletionResult]::new('--hmac-prefix', '--hmac-prefix', [CompletionResultType]::ParameterName, 'Text before the signature in the header value, e.g. `sha256=`')
            [CompletionResult]::new('--hmac-algorithm', '--hmac-algorithm', [CompletionResultType]::ParameterName, 'Digest of the HMAC')
            [CompletionResult]::new('--hmac-encoding', '--hmac-encoding', [CompletionResultType]::ParameterName, 'How the signature bytes are written')
            [CompletionResult]::new('--hmac-template', '--hmac-template', [CompletionResultType]::ParameterName, 'The signed string: {body}, {timestamp}, {method} and {url} are filled in')
            [CompletionResult]::new('--hmac-timestamp-header', '--hmac-timestamp-header', [CompletionResultType]::ParameterName, 'Header that carries the Unix timestamp used by {timestamp}')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any certificate from an HTTPS app (a local self-signed one); never from the relay')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line (a banner, then one per delivery)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'hookcli;list' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store folder (default: the platform data folder + hookcli)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'How many deliveries to show')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many deliveries to show')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only this provider''s deliveries')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only this provider''s deliveries')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Only these event types (`*` matches anything: ''invoice.*'')')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Only these event types (`*` matches anything: ''invoice.*'')')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only deliveries received within this long (e.g. 1h, 30m, 2d)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--failed', '--failed', [CompletionResultType]::ParameterName, 'Only deliveries whose last attempt failed (non-2xx or no answer)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per delivery per line')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;show' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store folder (default: the platform data folder + hookcli)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'The portable JSON document (`send --from` reads it)')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Only the raw body bytes')
            [CompletionResult]::new('--headers', '--headers', [CompletionResultType]::ParameterName, 'Only the headers, as received')
            [CompletionResult]::new('--curl', '--curl', [CompletionResultType]::ParameterName, 'A curl command that sends the same request again (binary-safe)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;verify' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store folder (default: the platform data folder + hookcli)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Provider scheme to check with (default: the one recorded)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Provider scheme to check with (default: the one recorded)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider''s (repeatable). Unnamed, each provider''s own variable is read (`hookcli providers` names it)')
            [CompletionResult]::new('--tolerance', '--tolerance', [CompletionResultType]::ParameterName, 'Timestamp tolerance, overriding the provider''s (e.g. 10m)')
            [CompletionResult]::new('--hmac-header', '--hmac-header', [CompletionResultType]::ParameterName, 'Header that carries the signature')
            [CompletionResult]::new('--hmac-prefix', '--hmac-prefix', [CompletionResultType]::ParameterName, 'Text before the signature in the header value, e.g. `sha256=`')
            [CompletionResult]::new('--hmac-algorithm', '--hmac-algorithm', [CompletionResultType]::ParameterName, 'Digest of the HMAC')
            [CompletionResult]::new('--hmac-encoding', '--hmac-encoding', [CompletionResultType]::ParameterName, 'How the signature bytes are written')
            [CompletionResult]::new('--hmac-template', '--hmac-template', [CompletionResultType]::ParameterName, 'The signed string: {body}, {timestamp}, {method} and {url} are filled in')
            [CompletionResult]::new('--hmac-timestamp-header', '--hmac-timestamp-header', [CompletionResultType]::ParameterName, 'Header that carries the Unix timestamp used by {timestamp}')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Judge the timestamp against now instead of the moment it arrived')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object with the verdict and the findings')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;relay' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to listen on, HOST or HOST:PORT (0.0.0.0:443 on a public host)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on, unless --bind names one (0 picks a free one)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'The token clients must present (prefer --token-env)')
            [CompletionResult]::new('--token-env', '--token-env', [CompletionResultType]::ParameterName, 'Read the token from this environment variable (wins over --token and HOOKCLI_RELAY_TOKEN)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'PEM certificate chain for HTTPS')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'PEM private key for HTTPS')
            [CompletionResult]::new('--public-url', '--public-url', [CompletionResultType]::ParameterName, 'The public URL providers use, when it differs from the bound address (behind a load balancer)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long a client may take to answer a delivery (then 504)')
            [CompletionResult]::new('--buffer', '--buffer', [CompletionResultType]::ParameterName, 'Keep deliveries for absent clients in this store folder (no folder with --database-url: in PostgreSQL); answer 202 and deliver them in order later')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Share the buffer and the per-developer tokens with every relay instance on this PostgreSQL database (postgres://USER:PASSWORD@HOST:PORT/DB)')
            [CompletionResult]::new('--max-body', '--max-body', [CompletionResultType]::ParameterName, 'Largest body accepted (e.g. 25MiB)')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'Cut off a connection without a complete request head this long after it opened or was last answered')
            [CompletionResult]::new('--body-timeout', '--body-timeout', [CompletionResultType]::ParameterName, 'Answer 408 to a body that has not arrived whole in this time')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Open connections at most, clients'' included (default: up to 4096, below the descriptor limit); past it the longest-idle one is closed, else newcomers wait')
            [CompletionResult]::new('--body-budget', '--body-budget', [CompletionResultType]::ParameterName, 'Body bytes all requests in flight may hold at once (default: twice --max-body, at least 64MiB); past it, 503 with Retry-After')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Threads serving connections. On one, a delivery''s hand-offs wake no other thread, which costs less CPU; at about 25µs of CPU a delivery (a TLS handshake more on a new connection), one is plenty for a team. Scale out with more instances, or raise this on a big host')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'Also accept the per-developer tokens in this file, each for its own channels (`relay token add` writes it)')
            [CompletionResult]::new('--metrics-token-env', '--metrics-token-env', [CompletionResultType]::ParameterName, 'Serve GET /metrics on the public port to bearers of the token in this environment variable')
            [CompletionResult]::new('--metrics-bind', '--metrics-bind', [CompletionResultType]::ParameterName, 'Serve GET /metrics, with no token, on this address of its own (127.0.0.1:9187)')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log lines for people, or one JSON object per line with one per delivery')
            [CompletionResult]::new('--allow-from', '--allow-from', [CompletionResultType]::ParameterName, 'Take deliveries only from this address range (repeatable); others get 403')
            [CompletionResult]::new('--trusted-proxy', '--trusted-proxy', [CompletionResultType]::ParameterName, 'Believe X-Forwarded-For from this proxy''s addresses (repeatable), for --allow-from and the logs'' sender')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Per-developer tokens: each attaches only to the channels its pattern matches')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookcli;relay;token' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Make a token for the channels matching a pattern; print it once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the tokens: id, channel pattern, note, created, revoked (never the tokens)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token: its client is cut off within seconds')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookcli;relay;token;add' {
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'The token file (SQLite; created by the first `add`)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The relays'' PostgreSQL database instead (postgres://USER:PASSWORD@HOST:PORT/DB)')
            [CompletionResult]::new('--channel', '--channel', [CompletionResultType]::ParameterName, 'The channels it may attach to, a glob: ''alice-*'', ''team-[ab]'', ''dev''')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'Whose it is, shown by `list`')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;relay;token;list' {
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'The token file (SQLite; created by the first `add`)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The relays'' PostgreSQL database instead (postgres://USER:PASSWORD@HOST:PORT/DB)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per token per line')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;relay;token;revoke' {
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'The token file (SQLite; created by the first `add`)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'The relays'' PostgreSQL database instead (postgres://USER:PASSWORD@HOST:PORT/DB)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;relay;token;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Make a token for the channels matching a pattern; print it once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the tokens: id, channel pattern, note, created, revoked (never the tokens)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token: its client is cut off within seconds')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookcli;relay;token;help;add' {
            break
        }
        'hookcli;relay;token;help;list' {
            break
        }
        'hookcli;relay;token;help;revoke' {
            break
        }
        'hookcli;relay;token;help;help' {
            break
        }
        'hookcli;relay;help' {
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Per-developer tokens: each attaches only to the channels its pattern matches')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookcli;relay;help;token' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Make a token for the channels matching a pattern; print it once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the tokens: id, channel pattern, note, created, revoked (never the tokens)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token: its client is cut off within seconds')
            break
        }
        'hookcli;relay;help;token;add' {
            break
        }
        'hookcli;relay;help;token;list' {
            break
        }
        'hookcli;relay;help;token;revoke' {
            break
        }
        'hookcli;relay;help;help' {
            break
        }
        'hookcli;check' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Provider whose deliveries to imitate (required unless hookcli.toml sets one)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Provider whose deliveries to imitate (required unless hookcli.toml sets one)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'The endpoint to check')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The endpoint to check')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider''s (repeatable). Unnamed, each provider''s own variable is read (`hookcli providers` names it)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Sample event to use (default: the provider''s most common one)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Sample event to use (default: the provider''s most common one)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Report format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the report here (the summary line still goes to stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report here (the summary line still goes to stdout)')
            [CompletionResult]::new('--case', '--case', [CompletionResultType]::ParameterName, 'Run only these cases (repeatable)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Leave out these cases (repeatable)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each request may take (default: the provider''s delivery timeout + 2 s)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Build the battery from a recorded delivery: a store id (or `last`), a portable document (`show --json`), or a folder of them (one battery each)')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store folder (default: the platform data folder + hookcli)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Only this delivery mode, for providers with several (twilio: form, json, and hmac-sha256 only when named; slack: events, interactivity, slash-command; mailgun: json, form)')
            [CompletionResult]::new('--public-url', '--public-url', [CompletionResultType]::ParameterName, 'The URL the provider calls when it differs from --url (a tunnel or proxy in front): URL-signing schemes (Twilio, Square, HubSpot) are signed for it')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'How many cases are in flight at once (1, the default, keeps timings honest on a small dev server)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many cases are in flight at once (1, the default, keeps timings honest on a small dev server)')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust this PEM certificate for an HTTPS endpoint')
            [CompletionResult]::new('--hmac-header', '--hmac-header', [CompletionResultType]::ParameterName, 'Header that carries the signature')
            [CompletionResult]::new('--hmac-prefix', '--hmac-prefix', [CompletionResultType]::ParameterName, 'Text before the signature in the header value, e.g. `sha256=`')
            [CompletionResult]::new('--hmac-algorithm', '--hmac-algorithm', [CompletionResultType]::ParameterName, 'Digest of the HMAC')
            [CompletionResult]::new('--hmac-encoding', '--hmac-encoding', [CompletionResultType]::ParameterName, 'How the signature bytes are written')
            [CompletionResult]::new('--hmac-template', '--hmac-template', [CompletionResultType]::ParameterName, 'The signed string: {body}, {timestamp}, {method} and {url} are filled in')
            [CompletionResult]::new('--hmac-timestamp-header', '--hmac-timestamp-header', [CompletionResultType]::ParameterName, 'Header that carries the Unix timestamp used by {timestamp}')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 1 when a case warned, too')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any certificate from an HTTPS endpoint (a local self-signed one)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'hookcli;replay' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only deliveries received within this long (e.g. 1h)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only this provider''s deliveries; with --resign, also the scheme to sign with')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only this provider''s deliveries; with --resign, also the scheme to sign with')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Only these event types (`*` matches anything)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Only these event types (`*` matches anything)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Send here instead of the original forward target (the delivery''s path is appended)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Send here instead of the original forward target (the delivery''s path is appended)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider''s (repeatable). Unnamed, each provider''s own variable is read (`hookcli providers` names it)')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one JSON field of the body before sending (re-signed; repeatable)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Replace the body: @FILE, - or text (re-signed)')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Replace the body: @FILE, - or text (re-signed)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'How many replays are in flight at once (1 keeps the original order)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'How many replays are in flight at once (1 keeps the original order)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most this many replays per second')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust this PEM certificate for an HTTPS endpoint')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store folder (default: the platform data folder + hookcli)')
            [CompletionResult]::new('--hmac-header', '--hmac-header', [CompletionResultType]::ParameterName, 'Header that carries the signature')
            [CompletionResult]::new('--hmac-prefix', '--hmac-prefix', [CompletionResultType]::ParameterName, 'Text before the signature in the header value, e.g. `sha256=`')
            [CompletionResult]::new('--hmac-algorithm', '--hmac-algorithm', [CompletionResultType]::ParameterName, 'Digest of the HMAC')
            [CompletionResult]::new('--hmac-encoding', '--hmac-encoding', [CompletionResultType]::ParameterName, 'How the signature bytes are written')
            [CompletionResult]::new('--hmac-template', '--hmac-template', [CompletionResultType]::ParameterName, 'The signed string: {body}, {timestamp}, {method} and {url} are filled in')
            [CompletionResult]::new('--hmac-timestamp-header', '--hmac-timestamp-header', [CompletionResultType]::ParameterName, 'Header that carries the Unix timestamp used by {timestamp}')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--failed', '--failed', [CompletionResultType]::ParameterName, 'Every delivery whose last attempt failed (non-2xx or no answer): the dead-letter queue')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every delivery (narrow it with --since, --provider, --event)')
            [CompletionResult]::new('--resign', '--resign', [CompletionResultType]::ParameterName, 'Sign again over the same body with a fresh timestamp, in the provider''s scheme')
            [CompletionResult]::new('--new-id', '--new-id', [CompletionResultType]::ParameterName, 'Give each event a fresh id, so the receiver treats it as new (needs --resign)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be sent, and where, and send nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per replay, then a summary object')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any certificate from an HTTPS endpoint (a local self-signed one)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;inspect' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store folder (default: the platform data folder + hookcli)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to serve the page on (0 picks a free one; the printed URL says which)')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to bind, HOST or HOST:PORT; loopback unless you mean to expose it (the token still guards it)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Re-sign replays in this provider''s scheme (default: each delivery''s recorded provider)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Re-sign replays in this provider''s scheme (default: each delivery''s recorded provider)')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Read the secret for re-signed replays from this environment variable (the page never sees it)')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'Cut off a connection without a complete request head this long after it opened or was last answered')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Open connections at most (default: up to 4096, below the descriptor limit)')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust this PEM certificate for an HTTPS endpoint')
            [CompletionResult]::new('--hmac-header', '--hmac-header', [CompletionResultType]::ParameterName, 'Header that carries the signature')
            [CompletionResult]::new('--hmac-prefix', '--hmac-prefix', [CompletionResultType]::ParameterName, 'Text before the signature in the header value, e.g. `sha256=`')
            [CompletionResult]::new('--hmac-algorithm', '--hmac-algorithm', [CompletionResultType]::ParameterName, 'Digest of the HMAC')
            [CompletionResult]::new('--hmac-encoding', '--hmac-encoding', [CompletionResultType]::ParameterName, 'How the signature bytes are written')
            [CompletionResult]::new('--hmac-template', '--hmac-template', [CompletionResultType]::ParameterName, 'The signed string: {body}, {timestamp}, {method} and {url} are filled in')
            [CompletionResult]::new('--hmac-timestamp-header', '--hmac-timestamp-header', [CompletionResultType]::ParameterName, 'Header that carries the Unix timestamp used by {timestamp}')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Open the page in the default browser')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any certificate from an HTTPS endpoint (a local self-signed one)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;send' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Provider whose scheme and sample events to use (see `hookcli providers`). (Required, unless --from is given or hookcli.toml sets a provider.)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Provider whose scheme and sample events to use (see `hookcli providers`). (Required, unless --from is given or hookcli.toml sets a provider.)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Re-send exported deliveries (`hookcli show ID --json`): files, or folders of *.json in name order')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Event to send: a name (invoice.paid), EVENT for its main action (pull_request), or a glob (''invoice.*''); repeatable, sent in order. Default: the provider''s most common event. `hookcli providers PROVIDER` lists them')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Event to send: a name (invoice.paid), EVENT for its main action (pull_request), or a glob (''invoice.*''); repeatable, sent in order. Default: the provider''s most common event. `hookcli providers PROVIDER` lists them')
            [CompletionResult]::new('--flow', '--flow', [CompletionResultType]::ParameterName, 'Send the events of one real action in order, ids consistent (`--flow` alone lists them)')
            [CompletionResult]::new('--delay', '--delay', [CompletionResultType]::ParameterName, 'Pause between the events of a flow or series')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'Merge this partial JSON document over each generated event: your fields win, the rest stays realistic')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Where to send it (default: a local `hookcli listen`, on hookcli.toml''s port if it sets one)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Where to send it (default: a local `hookcli listen`, on hookcli.toml''s port if it sets one)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider''s (repeatable). Unnamed, each provider''s own variable is read (`hookcli providers` names it)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Replace the payload: @FILE, - (standard input), or the text itself. Signed byte for byte')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Replace the payload: @FILE, - (standard input), or the text itself. Signed byte for byte')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one JSON field of the payload, e.g. data.object.amount=5000 (repeatable)')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a header, `Name: value` (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a header, `Name: value` (repeatable)')
            [CompletionResult]::new('--tamper', '--tamper', [CompletionResultType]::ParameterName, 'Send a deliberately faulty delivery, to see that the receiver rejects it')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Sign with this Unix time instead of now')
            [CompletionResult]::new('--expect-status', '--expect-status', [CompletionResultType]::ParameterName, 'Exit 1 unless the receiver answers this status')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the receiver')
            [CompletionResult]::new('--ca', '--ca', [CompletionResultType]::ParameterName, 'Trust this PEM certificate for an HTTPS endpoint')
            [CompletionResult]::new('--hmac-header', '--hmac-header', [CompletionResultType]::ParameterName, 'Header that carries the signature')
            [CompletionResult]::new('--hmac-prefix', '--hmac-prefix', [CompletionResultType]::ParameterName, 'Text before the signature in the header value, e.g. `sha256=`')
            [CompletionResult]::new('--hmac-algorithm', '--hmac-algorithm', [CompletionResultType]::ParameterName, 'Digest of the HMAC')
            [CompletionResult]::new('--hmac-encoding', '--hmac-encoding', [CompletionResultType]::ParameterName, 'How the signature bytes are written')
            [CompletionResult]::new('--hmac-template', '--hmac-template', [CompletionResultType]::ParameterName, 'The signed string: {body}, {timestamp}, {method} and {url} are filled in')
            [CompletionResult]::new('--hmac-timestamp-header', '--hmac-timestamp-header', [CompletionResultType]::ParameterName, 'Header that carries the Unix timestamp used by {timestamp}')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--resign', '--resign', [CompletionResultType]::ParameterName, 'With --from: sign again with a fresh timestamp (needs the secret)')
            [CompletionResult]::new('--rehash', '--rehash', [CompletionResultType]::ParameterName, 'With --from: accept a document whose body was edited after export (its body_sha256 is computed anew); add --resign so the signature covers the edited body')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the exact request (headers and body) and send nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object describing the request and the response (one per line for a series or flow, then a summary)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any certificate from an HTTPS endpoint (a local self-signed one)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'hookcli;keygen' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The asymmetric scheme to make keys for')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'The asymmetric scheme to make keys for')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object instead of lines')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;providers' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of a table')
            [CompletionResult]::new('--names', '--names', [CompletionResultType]::ParameterName, 'Print the event names alone, one a line (for shell completion)')
            [CompletionResult]::new('--flow-names', '--flow-names', [CompletionResultType]::ParameterName, 'Print the flow names alone, one a line (for shell completion)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;config' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object instead of lines')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;man' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;help' {
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Capture webhook deliveries: record each one, check its signature, forward it to your app')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List recorded deliveries, newest first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one recorded delivery: request, verdict and every attempt')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-check a recorded delivery''s signature offline and explain the verdict')
            [CompletionResult]::new('relay', 'relay', [CompletionResultType]::ParameterValue, 'Run the public side of the tunnel: deliveries to /<channel>/... reach `listen --relay` clients')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check how an endpoint handles signatures, replays, duplicates, content types and timing')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Re-send recorded deliveries, exactly or re-signed; one, or all that failed')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Open a local web page over the store: a live list, each delivery''s story, replay and edit-then-replay')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a realistic, correctly signed sample event to a URL')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make a key pair for an asymmetric scheme: the private key signs (send, check), the public key verifies (listen, verify)')
            [CompletionResult]::new('providers', 'providers', [CompletionResultType]::ParameterValue, 'List the providers and their schemes; or one provider''s events and flows')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the settings in force and where each comes from (flags aside)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookcli;help;listen' {
            break
        }
        'hookcli;help;list' {
            break
        }
        'hookcli;help;show' {
            break
        }
        'hookcli;help;verify' {
            break
        }
        'hookcli;help;relay' {
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Per-developer tokens: each attaches only to the channels its pattern matches')
            break
        }
        'hookcli;help;relay;token' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Make a token for the channels matching a pattern; print it once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the tokens: id, channel pattern, note, created, revoked (never the tokens)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token: its client is cut off within seconds')
            break
        }
        'hookcli;help;relay;token;add' {
            break
        }
        'hookcli;help;relay;token;list' {
            break
        }
        'hookcli;help;relay;token;revoke' {
            break
        }
        'hookcli;help;check' {
            break
        }
        'hookcli;help;replay' {
            break
        }
        'hookcli;help;inspect' {
            break
        }
        'hookcli;help;send' {
            break
        }
        'hookcli;help;keygen' {
            break
        }
        'hookcli;help;providers' {
            break
        }
        'hookcli;help;completions' {
            break
        }
        'hookcli;help;config' {
            break
        }
        'hookcli;help;man' {
            break
        }
        'hookcli;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
