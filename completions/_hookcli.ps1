
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
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a realistic, correctly signed sample event to a URL')
            [CompletionResult]::new('providers', 'providers', [CompletionResultType]::ParameterValue, 'List the providers, their events, signature schemes and tolerances')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookcli;send' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Provider whose scheme and sample events to use (see `hookcli providers`)')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Provider whose scheme and sample events to use (see `hookcli providers`)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Sample event to send (default: the provider''s most common one)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Sample event to send (default: the provider''s most common one)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Where to send it (default: a local `hookcli listen`)')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Where to send it (default: a local `hookcli listen`)')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'The signing secret (prefer --secret-env: flags show up in shell history and `ps`)')
            [CompletionResult]::new('--secret-env', '--secret-env', [CompletionResultType]::ParameterName, 'Read the signing secret from this environment variable')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Replace the payload: @FILE, - (standard input), or the text itself. Signed byte for byte')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'Replace the payload: @FILE, - (standard input), or the text itself. Signed byte for byte')
            [CompletionResult]::new('--set', '--set', [CompletionResultType]::ParameterName, 'Set one JSON field of the payload, e.g. data.object.amount=5000 (repeatable)')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Add a header, `Name: value` (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a header, `Name: value` (repeatable)')
            [CompletionResult]::new('--tamper', '--tamper', [CompletionResultType]::ParameterName, 'Send a deliberately faulty delivery, to see that the receiver rejects it')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Sign with this Unix time instead of now')
            [CompletionResult]::new('--expect-status', '--expect-status', [CompletionResultType]::ParameterName, 'Exit 1 unless the receiver answers this status')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the receiver')
            [CompletionResult]::new('--hmac-header', '--hmac-header', [CompletionResultType]::ParameterName, 'Header that carries the signature')
            [CompletionResult]::new('--hmac-prefix', '--hmac-prefix', [CompletionResultType]::ParameterName, 'Text before the signature in the header value, e.g. `sha256=`')
            [CompletionResult]::new('--hmac-algorithm', '--hmac-algorithm', [CompletionResultType]::ParameterName, 'Digest of the HMAC')
            [CompletionResult]::new('--hmac-encoding', '--hmac-encoding', [CompletionResultType]::ParameterName, 'How the signature bytes are written')
            [CompletionResult]::new('--hmac-template', '--hmac-template', [CompletionResultType]::ParameterName, 'The signed string: {body}, {timestamp}, {method} and {url} are filled in')
            [CompletionResult]::new('--hmac-timestamp-header', '--hmac-timestamp-header', [CompletionResultType]::ParameterName, 'Header that carries the Unix timestamp used by {timestamp}')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the exact request (headers and body) and send nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object describing the request and the response')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'hookcli;providers' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of a table')
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
        'hookcli;man' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output: auto colours only a terminal, and never under NO_COLOR')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'hookcli;help' {
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Send a realistic, correctly signed sample event to a URL')
            [CompletionResult]::new('providers', 'providers', [CompletionResultType]::ParameterValue, 'List the providers, their events, signature schemes and tolerances')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'hookcli;help;send' {
            break
        }
        'hookcli;help;providers' {
            break
        }
        'hookcli;help;completions' {
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
