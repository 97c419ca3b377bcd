# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_hookcli_global_optspecs
    string join \n color= h/help V/version
end

function __fish_hookcli_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_hookcli_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_hookcli_using_subcommand
    set -l cmd (__fish_hookcli_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c hookcli -n "__fish_hookcli_needs_command" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_needs_command" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_needs_command" -s V -l version -d 'Print version'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "listen" -d 'Capture webhook deliveries: record each one, check its signature, forward it to your app'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "list" -d 'List recorded deliveries, newest first'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "show" -d 'Show one recorded delivery: request, verdict and every attempt'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "verify" -d 'Re-check a recorded delivery\'s signature offline and explain the verdict'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "relay" -d 'Run the public side of the tunnel: deliveries to /<channel>/... reach `listen --relay` clients'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "check" -d 'Check how an endpoint handles signatures, replays, duplicates, content types and timing'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "replay" -d 'Re-send recorded deliveries, exactly or re-signed; one, or all that failed'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "inspect" -d 'Open a local web page over the store: a live list, each delivery\'s story, replay and edit-then-replay'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "send" -d 'Send a realistic, correctly signed sample event to a URL'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "keygen" -d 'Make a key pair for an asymmetric scheme: the private key signs (send, check), the public key verifies (listen, verify)'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "providers" -d 'List the providers and their schemes; or one provider\'s events and flows'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "config" -d 'Show the settings in force and where each comes from (flags aside)'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c hookcli -n "__fish_hookcli_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l port -d 'Port to listen on (0 picks a free one; the banner says which)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l bind -d 'Address to bind, HOST or HOST:PORT; loopback unless you mean to expose it' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l path -d 'Only requests under this path prefix are deliveries; others get 404' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -s u -l url -d 'Forward every delivery to this URL (the path below --path is appended)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l route -d 'Forward matching deliveries elsewhere: /PREFIX=URL, PROVIDER=URL or PROVIDER:EVENT-GLOB=URL' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l timeout -d 'How long the app may take (raise it to sit in a debugger)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l ca -d 'Trust this PEM certificate for HTTPS: the app\'s and the relay\'s (a self-signed one)' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l forward-ca -d 'The old spelling of --ca for the app alone' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -s p -l provider -d 'Provider of the deliveries (default: recognised from each one\'s headers)' -r -f -a "stripe\t''
github\t''
shopify\t''
slack\t''
twilio\t''
gitlab\t''
standard\t''
svix\t''
hmac\t''
paddle\t''
sentry\t''
linear\t''
bitbucket\t''
pagerduty\t''
typeform\t''
intercom\t''
zapier\t''
mailgun\t''
square\t''
zoom\t''
twitch\t''
hubspot\t''
calendly\t''
clerk\t''
resend\t''
discord\t''
standard-v1a\t''
sendgrid\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l secret -d 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l secret-env -d 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider\'s (repeatable). Unnamed, each provider\'s own variable is read (`hookcli providers` names it)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l enforce -d 'Answer 401 to deliveries whose signature is invalid (they are still recorded); =strict also to those no secret could check' -r -f -a "invalid\t'Invalid signatures, and requests from no provider hookcli recognises'
strict\t'Those, and deliveries no secret could check (`unchecked`)'"
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l respond -d 'Status to answer when not forwarding' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l store -d 'Store folder (default: the platform data folder + hookcli)' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l max-body -d 'Largest body accepted; larger ones get 413 and are recorded without their body (e.g. 25MiB, 1MB, 65536)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l public-url -d 'The public URL the provider sends to, for schemes that sign the URL (Twilio)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l tolerance -d 'Timestamp tolerance, overriding the provider\'s (e.g. 10m)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l header-timeout -d 'Cut off a connection without a complete request head this long after it opened or was last answered' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l body-timeout -d 'Answer 408 to a body that has not arrived whole in this time (it is not recorded)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l max-connections -d 'Open connections at most (default: up to 4096, below the descriptor limit); past it the longest-idle one is closed, else newcomers wait' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l body-budget -d 'Body bytes all requests in flight may hold at once (default: twice --max-body, at least 64MiB); past it, 503 with Retry-After' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l relay -d 'Also take deliveries from this `hookcli relay` (https://relay.example.com)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l channel -d 'The relay channel: public deliveries go to RELAY/CHANNEL/...' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l token -d 'The relay\'s token (prefer --token-env)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l token-env -d 'Read the relay\'s token from this environment variable (wins over --token and HOOKCLI_RELAY_TOKEN)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l relay-ca -d 'The old spelling of --ca for the relay alone' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l inspect -d 'Also serve the inspector page on 127.0.0.1:PORT (default 4040), over the same store' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l max-offline -d 'Exit non-zero after this long without a relay connection (e.g. 10m), so a supervisor can restart listen' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l hmac-header -d 'Header that carries the signature' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l hmac-prefix -d 'Text before the signature in the header value, e.g. `sha256=`' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l hmac-algorithm -d 'Digest of the HMAC' -r -f -a "sha256\t''
sha1\t''
sha512\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l hmac-encoding -d 'How the signature bytes are written' -r -f -a "hex\t''
base64\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l hmac-template -d 'The signed string: {body}, {timestamp}, {method} and {url} are filled in' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l hmac-timestamp-header -d 'Header that carries the Unix timestamp used by {timestamp}' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l insecure -d 'Accept any certificate from an HTTPS app (a local self-signed one); never from the relay'
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -l json -d 'Print one JSON object per line (a banner, then one per delivery)'
complete -c hookcli -n "__fish_hookcli_using_subcommand listen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hookcli -n "__fish_hookcli_using_subcommand list" -l store -d 'Store folder (default: the platform data folder + hookcli)' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand list" -s n -l limit -d 'How many deliveries to show' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand list" -s p -l provider -d 'Only this provider\'s deliveries' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand list" -s e -l event -d 'Only these event types (`*` matches anything: \'invoice.*\')' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand list" -l since -d 'Only deliveries received within this long (e.g. 1h, 30m, 2d)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand list" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand list" -l failed -d 'Only deliveries whose last attempt failed (non-2xx or no answer)'
complete -c hookcli -n "__fish_hookcli_using_subcommand list" -l json -d 'One JSON object per delivery per line'
complete -c hookcli -n "__fish_hookcli_using_subcommand list" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand show" -l store -d 'Store folder (default: the platform data folder + hookcli)' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand show" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand show" -l json -d 'The portable JSON document (`send --from` reads it)'
complete -c hookcli -n "__fish_hookcli_using_subcommand show" -l body -d 'Only the raw body bytes'
complete -c hookcli -n "__fish_hookcli_using_subcommand show" -l headers -d 'Only the headers, as received'
complete -c hookcli -n "__fish_hookcli_using_subcommand show" -l curl -d 'A curl command that sends the same request again (binary-safe)'
complete -c hookcli -n "__fish_hookcli_using_subcommand show" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l store -d 'Store folder (default: the platform data folder + hookcli)' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -s p -l provider -d 'Provider scheme to check with (default: the one recorded)' -r -f -a "stripe\t''
github\t''
shopify\t''
slack\t''
twilio\t''
gitlab\t''
standard\t''
svix\t''
hmac\t''
paddle\t''
sentry\t''
linear\t''
bitbucket\t''
pagerduty\t''
typeform\t''
intercom\t''
zapier\t''
mailgun\t''
square\t''
zoom\t''
twitch\t''
hubspot\t''
calendly\t''
clerk\t''
resend\t''
discord\t''
standard-v1a\t''
sendgrid\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l secret -d 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l secret-env -d 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider\'s (repeatable). Unnamed, each provider\'s own variable is read (`hookcli providers` names it)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l tolerance -d 'Timestamp tolerance, overriding the provider\'s (e.g. 10m)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l hmac-header -d 'Header that carries the signature' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l hmac-prefix -d 'Text before the signature in the header value, e.g. `sha256=`' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l hmac-algorithm -d 'Digest of the HMAC' -r -f -a "sha256\t''
sha1\t''
sha512\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l hmac-encoding -d 'How the signature bytes are written' -r -f -a "hex\t''
base64\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l hmac-template -d 'The signed string: {body}, {timestamp}, {method} and {url} are filled in' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l hmac-timestamp-header -d 'Header that carries the Unix timestamp used by {timestamp}' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l now -d 'Judge the timestamp against now instead of the moment it arrived'
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -l json -d 'One JSON object with the verdict and the findings'
complete -c hookcli -n "__fish_hookcli_using_subcommand verify" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l bind -d 'Address to listen on, HOST or HOST:PORT (0.0.0.0:443 on a public host)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l port -d 'Port to listen on, unless --bind names one (0 picks a free one)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l token -d 'The token clients must present (prefer --token-env)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l token-env -d 'Read the token from this environment variable (wins over --token and HOOKCLI_RELAY_TOKEN)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l tls-cert -d 'PEM certificate chain for HTTPS' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l tls-key -d 'PEM private key for HTTPS' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l public-url -d 'The public URL providers use, when it differs from the bound address (behind a load balancer)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l timeout -d 'How long a client may take to answer a delivery (then 504)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l buffer -d 'Keep deliveries for absent clients in this store folder (no folder with --database-url: in PostgreSQL); answer 202 and deliver them in order later' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l database-url -d 'Share the buffer and the per-developer tokens with every relay instance on this PostgreSQL database (postgres://USER:PASSWORD@HOST:PORT/DB)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l max-body -d 'Largest body accepted (e.g. 25MiB)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l header-timeout -d 'Cut off a connection without a complete request head this long after it opened or was last answered' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l body-timeout -d 'Answer 408 to a body that has not arrived whole in this time' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l max-connections -d 'Open connections at most, clients\' included (default: up to 4096, below the descriptor limit); past it the longest-idle one is closed, else newcomers wait' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l body-budget -d 'Body bytes all requests in flight may hold at once (default: twice --max-body, at least 64MiB); past it, 503 with Retry-After' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l threads -d 'Threads serving connections. On one, a delivery\'s hand-offs wake no other thread, which costs less CPU; at about 25µs of CPU a delivery (a TLS handshake more on a new connection), one is plenty for a team. Scale out with more instances, or raise this on a big host' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l tokens -d 'Also accept the per-developer tokens in this file, each for its own channels (`relay token add` writes it)' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l metrics-token-env -d 'Serve GET /metrics on the public port to bearers of the token in this environment variable' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l metrics-bind -d 'Serve GET /metrics, with no token, on this address of its own (127.0.0.1:9187)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l log-format -d 'Log lines for people, or one JSON object per line with one per delivery' -r -f -a "text\t''
json\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l allow-from -d 'Take deliveries only from this address range (repeatable); others get 403' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l trusted-proxy -d 'Believe X-Forwarded-For from this proxy\'s addresses (repeatable), for --allow-from and the logs\' sender' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -f -a "token" -d 'Per-developer tokens: each attaches only to the channels its pattern matches'
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and not __fish_seen_subcommand_from token help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and __fish_seen_subcommand_from token" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and __fish_seen_subcommand_from token" -f -a "add" -d 'Make a token for the channels matching a pattern; print it once'
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and __fish_seen_subcommand_from token" -f -a "list" -d 'Show the tokens: id, channel pattern, note, created, revoked (never the tokens)'
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and __fish_seen_subcommand_from token" -f -a "revoke" -d 'Revoke a token: its client is cut off within seconds'
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and __fish_seen_subcommand_from token" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and __fish_seen_subcommand_from help" -f -a "token" -d 'Per-developer tokens: each attaches only to the channels its pattern matches'
complete -c hookcli -n "__fish_hookcli_using_subcommand relay; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -s p -l provider -d 'Provider whose deliveries to imitate (required unless hookcli.toml sets one)' -r -f -a "stripe\t''
github\t''
shopify\t''
slack\t''
twilio\t''
gitlab\t''
standard\t''
svix\t''
hmac\t''
paddle\t''
sentry\t''
linear\t''
bitbucket\t''
pagerduty\t''
typeform\t''
intercom\t''
zapier\t''
mailgun\t''
square\t''
zoom\t''
twitch\t''
hubspot\t''
calendly\t''
clerk\t''
resend\t''
discord\t''
standard-v1a\t''
sendgrid\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -s u -l url -d 'The endpoint to check' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l secret -d 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l secret-env -d 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider\'s (repeatable). Unnamed, each provider\'s own variable is read (`hookcli providers` names it)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -s e -l event -d 'Sample event to use (default: the provider\'s most common one)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l format -d 'Report format' -r -f -a "human\t''
json\t''
junit\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -s o -l output -d 'Write the report here (the summary line still goes to stdout)' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l case -d 'Run only these cases (repeatable)' -r -f -a "handshake\t'The provider\'s verification probe (Slack, Zoom, Twitch, Discord), answered exactly as the provider requires; skipped for the others'
valid\t''
valid-noncanonical\t''
url-query\t'URL-signing schemes: the valid delivery to the URL with a query string'
secret-rotation\t'Two signatures, the outgoing secret\'s then the real one\'s, as providers send while a secret is rolled'
duplicate\t''
bad-signature\t''
malformed-signature\t''
truncated-signature\t''
missing-signature\t''
body-modified\t''
stale-timestamp\t''
future-timestamp\t''
malformed-body\t''
large-body\t'The valid delivery padded to 5 MiB, as large as providers send'
wrong-content-type\t''
wrong-method\t''
wrong-path\t'The valid delivery to a sibling path'
transport\t'The valid delivery chunked, then behind `Expect: 100-continue`'
response-time\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l skip -d 'Leave out these cases (repeatable)' -r -f -a "handshake\t'The provider\'s verification probe (Slack, Zoom, Twitch, Discord), answered exactly as the provider requires; skipped for the others'
valid\t''
valid-noncanonical\t''
url-query\t'URL-signing schemes: the valid delivery to the URL with a query string'
secret-rotation\t'Two signatures, the outgoing secret\'s then the real one\'s, as providers send while a secret is rolled'
duplicate\t''
bad-signature\t''
malformed-signature\t''
truncated-signature\t''
missing-signature\t''
body-modified\t''
stale-timestamp\t''
future-timestamp\t''
malformed-body\t''
large-body\t'The valid delivery padded to 5 MiB, as large as providers send'
wrong-content-type\t''
wrong-method\t''
wrong-path\t'The valid delivery to a sibling path'
transport\t'The valid delivery chunked, then behind `Expect: 100-continue`'
response-time\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l timeout -d 'How long each request may take (default: the provider\'s delivery timeout + 2 s)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l from -d 'Build the battery from a recorded delivery: a store id (or `last`), a portable document (`show --json`), or a folder of them (one battery each)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l store -d 'Store folder (default: the platform data folder + hookcli)' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l mode -d 'Only this delivery mode, for providers with several (twilio: form, json, and hmac-sha256 only when named; slack: events, interactivity, slash-command; mailgun: json, form)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l public-url -d 'The URL the provider calls when it differs from --url (a tunnel or proxy in front): URL-signing schemes (Twilio, Square, HubSpot) are signed for it' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -s c -l concurrency -d 'How many cases are in flight at once (1, the default, keeps timings honest on a small dev server)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l ca -d 'Trust this PEM certificate for an HTTPS endpoint' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l hmac-header -d 'Header that carries the signature' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l hmac-prefix -d 'Text before the signature in the header value, e.g. `sha256=`' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l hmac-algorithm -d 'Digest of the HMAC' -r -f -a "sha256\t''
sha1\t''
sha512\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l hmac-encoding -d 'How the signature bytes are written' -r -f -a "hex\t''
base64\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l hmac-template -d 'The signed string: {body}, {timestamp}, {method} and {url} are filled in' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l hmac-timestamp-header -d 'Header that carries the Unix timestamp used by {timestamp}' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l json -d 'Same as --format json'
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l strict -d 'Exit 1 when a case warned, too'
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -l insecure -d 'Accept any certificate from an HTTPS endpoint (a local self-signed one)'
complete -c hookcli -n "__fish_hookcli_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l since -d 'Only deliveries received within this long (e.g. 1h)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -s p -l provider -d 'Only this provider\'s deliveries; with --resign, also the scheme to sign with' -r -f -a "stripe\t''
github\t''
shopify\t''
slack\t''
twilio\t''
gitlab\t''
standard\t''
svix\t''
hmac\t''
paddle\t''
sentry\t''
linear\t''
bitbucket\t''
pagerduty\t''
typeform\t''
intercom\t''
zapier\t''
mailgun\t''
square\t''
zoom\t''
twitch\t''
hubspot\t''
calendly\t''
clerk\t''
resend\t''
discord\t''
standard-v1a\t''
sendgrid\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -s e -l event -d 'Only these event types (`*` matches anything)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -s u -l url -d 'Send here instead of the original forward target (the delivery\'s path is appended)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l secret -d 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l secret-env -d 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider\'s (repeatable). Unnamed, each provider\'s own variable is read (`hookcli providers` names it)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l set -d 'Set one JSON field of the body before sending (re-signed; repeatable)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -s d -l data -d 'Replace the body: @FILE, - or text (re-signed)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -s c -l concurrency -d 'How many replays are in flight at once (1 keeps the original order)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l rate -d 'At most this many replays per second' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l timeout -d 'How long to wait for each answer' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l ca -d 'Trust this PEM certificate for an HTTPS endpoint' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l store -d 'Store folder (default: the platform data folder + hookcli)' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l hmac-header -d 'Header that carries the signature' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l hmac-prefix -d 'Text before the signature in the header value, e.g. `sha256=`' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l hmac-algorithm -d 'Digest of the HMAC' -r -f -a "sha256\t''
sha1\t''
sha512\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l hmac-encoding -d 'How the signature bytes are written' -r -f -a "hex\t''
base64\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l hmac-template -d 'The signed string: {body}, {timestamp}, {method} and {url} are filled in' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l hmac-timestamp-header -d 'Header that carries the Unix timestamp used by {timestamp}' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l failed -d 'Every delivery whose last attempt failed (non-2xx or no answer): the dead-letter queue'
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l all -d 'Every delivery (narrow it with --since, --provider, --event)'
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l resign -d 'Sign again over the same body with a fresh timestamp, in the provider\'s scheme'
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l new-id -d 'Give each event a fresh id, so the receiver treats it as new (needs --resign)'
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l dry-run -d 'Print what would be sent, and where, and send nothing'
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l json -d 'One JSON object per replay, then a summary object'
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -l insecure -d 'Accept any certificate from an HTTPS endpoint (a local self-signed one)'
complete -c hookcli -n "__fish_hookcli_using_subcommand replay" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l store -d 'Store folder (default: the platform data folder + hookcli)' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l port -d 'Port to serve the page on (0 picks a free one; the printed URL says which)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l bind -d 'Address to bind, HOST or HOST:PORT; loopback unless you mean to expose it (the token still guards it)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -s p -l provider -d 'Re-sign replays in this provider\'s scheme (default: each delivery\'s recorded provider)' -r -f -a "stripe\t''
github\t''
shopify\t''
slack\t''
twilio\t''
gitlab\t''
standard\t''
svix\t''
hmac\t''
paddle\t''
sentry\t''
linear\t''
bitbucket\t''
pagerduty\t''
typeform\t''
intercom\t''
zapier\t''
mailgun\t''
square\t''
zoom\t''
twitch\t''
hubspot\t''
calendly\t''
clerk\t''
resend\t''
discord\t''
standard-v1a\t''
sendgrid\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l secret-env -d 'Read the secret for re-signed replays from this environment variable (the page never sees it)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l header-timeout -d 'Cut off a connection without a complete request head this long after it opened or was last answered' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l max-connections -d 'Open connections at most (default: up to 4096, below the descriptor limit)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l ca -d 'Trust this PEM certificate for an HTTPS endpoint' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l hmac-header -d 'Header that carries the signature' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l hmac-prefix -d 'Text before the signature in the header value, e.g. `sha256=`' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l hmac-algorithm -d 'Digest of the HMAC' -r -f -a "sha256\t''
sha1\t''
sha512\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l hmac-encoding -d 'How the signature bytes are written' -r -f -a "hex\t''
base64\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l hmac-template -d 'The signed string: {body}, {timestamp}, {method} and {url} are filled in' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l hmac-timestamp-header -d 'Header that carries the Unix timestamp used by {timestamp}' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l open -d 'Open the page in the default browser'
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -l insecure -d 'Accept any certificate from an HTTPS endpoint (a local self-signed one)'
complete -c hookcli -n "__fish_hookcli_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -s p -l provider -d 'Provider whose scheme and sample events to use (see `hookcli providers`). (Required, unless --from is given or hookcli.toml sets a provider.)' -r -f -a "stripe\t''
github\t''
shopify\t''
slack\t''
twilio\t''
gitlab\t''
standard\t''
svix\t''
hmac\t''
paddle\t''
sentry\t''
linear\t''
bitbucket\t''
pagerduty\t''
typeform\t''
intercom\t''
zapier\t''
mailgun\t''
square\t''
zoom\t''
twitch\t''
hubspot\t''
calendly\t''
clerk\t''
resend\t''
discord\t''
standard-v1a\t''
sendgrid\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l from -d 'Re-send exported deliveries (`hookcli show ID --json`): files, or folders of *.json in name order' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -s e -l event -d 'Event to send: a name (invoice.paid), EVENT for its main action (pull_request), or a glob (\'invoice.*\'); repeatable, sent in order. Default: the provider\'s most common event. `hookcli providers PROVIDER` lists them' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l flow -d 'Send the events of one real action in order, ids consistent (`--flow` alone lists them)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l delay -d 'Pause between the events of a flow or series' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l base -d 'Merge this partial JSON document over each generated event: your fields win, the rest stays realistic' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -s u -l url -d 'Where to send it (default: a local `hookcli listen`, on hookcli.toml\'s port if it sets one)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l secret -d 'The signing secret; for discord, sendgrid and standard-v1a a key: the private key to sign, the public key to verify (prefer --secret-env: flags show up in shell history and `ps`)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l secret-env -d 'Read the signing secret from this environment variable; PROVIDER=VAR gives one provider\'s (repeatable). Unnamed, each provider\'s own variable is read (`hookcli providers` names it)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -s d -l data -d 'Replace the payload: @FILE, - (standard input), or the text itself. Signed byte for byte' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l set -d 'Set one JSON field of the payload, e.g. data.object.amount=5000 (repeatable)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -s H -l header -d 'Add a header, `Name: value` (repeatable)' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l tamper -d 'Send a deliberately faulty delivery, to see that the receiver rejects it' -r -f -a "bad-signature\t'Signed with another secret'
missing-signature\t'No signature header at all'
stale-timestamp\t'Correctly signed ten minutes ago (past a five-minute tolerance)'
future-timestamp\t'Correctly signed, ten minutes in the future'
malformed-signature\t'The signature header present but garbage (`Stripe-Signature: garbage`)'
truncated-signature\t'The real signature with its MAC cut to the first half'
body-modified\t'A valid signature of another body'
wrong-content-type\t'Correctly signed, sent as text/plain'"
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l timestamp -d 'Sign with this Unix time instead of now' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l expect-status -d 'Exit 1 unless the receiver answers this status' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l timeout -d 'How long to wait for the receiver' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l ca -d 'Trust this PEM certificate for an HTTPS endpoint' -r -F
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l hmac-header -d 'Header that carries the signature' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l hmac-prefix -d 'Text before the signature in the header value, e.g. `sha256=`' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l hmac-algorithm -d 'Digest of the HMAC' -r -f -a "sha256\t''
sha1\t''
sha512\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l hmac-encoding -d 'How the signature bytes are written' -r -f -a "hex\t''
base64\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l hmac-template -d 'The signed string: {body}, {timestamp}, {method} and {url} are filled in' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l hmac-timestamp-header -d 'Header that carries the Unix timestamp used by {timestamp}' -r
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l resign -d 'With --from: sign again with a fresh timestamp (needs the secret)'
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l rehash -d 'With --from: accept a document whose body was edited after export (its body_sha256 is computed anew); add --resign so the signature covers the edited body'
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l print -d 'Print the exact request (headers and body) and send nothing'
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l json -d 'Print one JSON object describing the request and the response (one per line for a series or flow, then a summary)'
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l insecure -d 'Accept any certificate from an HTTPS endpoint (a local self-signed one)'
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c hookcli -n "__fish_hookcli_using_subcommand keygen" -s p -l provider -d 'The asymmetric scheme to make keys for' -r -f -a "discord\t''
sendgrid\t''
standard-v1a\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand keygen" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand keygen" -l json -d 'One JSON object instead of lines'
complete -c hookcli -n "__fish_hookcli_using_subcommand keygen" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand providers" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand providers" -l json -d 'Print one JSON document instead of a table'
complete -c hookcli -n "__fish_hookcli_using_subcommand providers" -l names -d 'Print the event names alone, one a line (for shell completion)'
complete -c hookcli -n "__fish_hookcli_using_subcommand providers" -l flow-names -d 'Print the flow names alone, one a line (for shell completion)'
complete -c hookcli -n "__fish_hookcli_using_subcommand providers" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand completions" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand completions" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand config" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand config" -l json -d 'One JSON object instead of lines'
complete -c hookcli -n "__fish_hookcli_using_subcommand config" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand man" -l color -d 'When to colour output: auto colours only a terminal, and never under NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c hookcli -n "__fish_hookcli_using_subcommand man" -s h -l help -d 'Print help'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "listen" -d 'Capture webhook deliveries: record each one, check its signature, forward it to your app'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "list" -d 'List recorded deliveries, newest first'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "show" -d 'Show one recorded delivery: request, verdict and every attempt'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "verify" -d 'Re-check a recorded delivery\'s signature offline and explain the verdict'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "relay" -d 'Run the public side of the tunnel: deliveries to /<channel>/... reach `listen --relay` clients'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "check" -d 'Check how an endpoint handles signatures, replays, duplicates, content types and timing'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "replay" -d 'Re-send recorded deliveries, exactly or re-signed; one, or all that failed'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "inspect" -d 'Open a local web page over the store: a live list, each delivery\'s story, replay and edit-then-replay'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "send" -d 'Send a realistic, correctly signed sample event to a URL'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "keygen" -d 'Make a key pair for an asymmetric scheme: the private key signs (send, check), the public key verifies (listen, verify)'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "providers" -d 'List the providers and their schemes; or one provider\'s events and flows'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "completions" -d 'Print a shell completion script'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "config" -d 'Show the settings in force and where each comes from (flags aside)'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "man" -d 'Print the man page (roff)'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and not __fish_seen_subcommand_from listen list show verify relay check replay inspect send keygen providers completions config man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c hookcli -n "__fish_hookcli_using_subcommand help; and __fish_seen_subcommand_from relay" -f -a "token" -d 'Per-developer tokens: each attaches only to the channels its pattern matches'

# Events and flows of the provider on the line, asked of hookcli itself.
function __hookcli_provider
    set -l words (commandline -opc)
    for i in (seq (count $words))
        if contains -- $words[$i] --provider -p
            echo $words[(math $i + 1)]
            return
        end
        if string match -qr -- '^--provider=' $words[$i]
            string replace -- '--provider=' '' $words[$i]
            return
        end
    end
end
complete -c hookcli -n "__fish_hookcli_using_subcommand send; or __fish_hookcli_using_subcommand check" -s e -l event -f -a "(hookcli providers (__hookcli_provider) --names 2>/dev/null)"
complete -c hookcli -n "__fish_hookcli_using_subcommand send" -l flow -f -a "(hookcli providers (__hookcli_provider) --flow-names 2>/dev/null)"
