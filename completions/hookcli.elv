
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
            cand send 'Send a realistic, correctly signed sample event to a URL'
            cand providers 'List the providers, their events, signature schemes and tolerances'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookcli;send'= {
            cand -p 'Provider whose scheme and sample events to use (see `hookcli providers`)'
            cand --provider 'Provider whose scheme and sample events to use (see `hookcli providers`)'
            cand -e 'Sample event to send (default: the provider''s most common one)'
            cand --event 'Sample event to send (default: the provider''s most common one)'
            cand -u 'Where to send it (default: a local `hookcli listen`)'
            cand --url 'Where to send it (default: a local `hookcli listen`)'
            cand --secret 'The signing secret (prefer --secret-env: flags show up in shell history and `ps`)'
            cand --secret-env 'Read the signing secret from this environment variable'
            cand -d 'Replace the payload: @FILE, - (standard input), or the text itself. Signed byte for byte'
            cand --data 'Replace the payload: @FILE, - (standard input), or the text itself. Signed byte for byte'
            cand --set 'Set one JSON field of the payload, e.g. data.object.amount=5000 (repeatable)'
            cand -H 'Add a header, `Name: value` (repeatable)'
            cand --header 'Add a header, `Name: value` (repeatable)'
            cand --tamper 'Send a deliberately faulty delivery, to see that the receiver rejects it'
            cand --timestamp 'Sign with this Unix time instead of now'
            cand --expect-status 'Exit 1 unless the receiver answers this status'
            cand --timeout 'How long to wait for the receiver'
            cand --hmac-header 'Header that carries the signature'
            cand --hmac-prefix 'Text before the signature in the header value, e.g. `sha256=`'
            cand --hmac-algorithm 'Digest of the HMAC'
            cand --hmac-encoding 'How the signature bytes are written'
            cand --hmac-template 'The signed string: {body}, {timestamp}, {method} and {url} are filled in'
            cand --hmac-timestamp-header 'Header that carries the Unix timestamp used by {timestamp}'
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --print 'Print the exact request (headers and body) and send nothing'
            cand --json 'Print one JSON object describing the request and the response'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'hookcli;providers'= {
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand --json 'Print one JSON document instead of a table'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;completions'= {
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;man'= {
            cand --color 'When to colour output: auto colours only a terminal, and never under NO_COLOR'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'hookcli;help'= {
            cand send 'Send a realistic, correctly signed sample event to a URL'
            cand providers 'List the providers, their events, signature schemes and tolerances'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'hookcli;help;send'= {
        }
        &'hookcli;help;providers'= {
        }
        &'hookcli;help;completions'= {
        }
        &'hookcli;help;man'= {
        }
        &'hookcli;help;help'= {
        }
    ]
    $completions[$command]
}
