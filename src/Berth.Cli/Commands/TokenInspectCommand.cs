using System.CommandLine;
using System.Text;
using System.Text.Json;
using Berth.Client.Auth;
using Berth.Protocol.Tokens;

namespace Berth.Cli.Commands;

/// <summary><c>berth token inspect</c>: shows what an ECR-style token says about itself (version, type, expiry)
/// without revealing its secret parts.</summary>
internal static class TokenInspectCommand
{
    private const string NotAToken =
        "not an ECR-style registry token: expected the password from get-login-password, the base64 authorizationToken (AWS:password), or a \"Basic ...\" header value";

    public static Command Create(CliContext context)
    {
        var authFile = new Option<string?>("--authfile")
        {
            Description = "Read the stored login from this file only [env: REGISTRY_AUTH_FILE]",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var showSecret = new Option<bool>("--show-secret") { Description = "Also print the token's payload and data key" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var source = new Argument<string[]>("REGISTRY")
        {
            Description = "Registry whose stored login to inspect, or - to read a token from stdin (the default when stdin is not a terminal)",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var command = new Command("inspect", "Decode a registry token: from stdin (password, base64 AWS:password or \"Basic ...\"), or the stored login for REGISTRY.")
        {
            authFile, showSecret, json, source,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var arguments = parse.GetValue(source) ?? [];
            if ((LoginSupport.MissingValue(parse, authFile) ?? LoginSupport.UnknownFlag(arguments.Where(a => a != "-").ToList())) is { } usage)
            {
                return LoginSupport.Fail(context, usage, ExitCodes.Failure);
            }

            if (arguments.Length > 1)
            {
                return LoginSupport.Fail(context, "token inspect takes at most one REGISTRY (or - for stdin)", ExitCodes.Failure);
            }

            Inspected? inspected;
            try
            {
                inspected = arguments.Length == 1 && arguments[0] != "-"
                    ? FromLogin(context, arguments[0], parse.GetValue(authFile))
                    : await FromStdinAsync(context, explicitDash: arguments.Length == 1, cancellationToken);
            }
            catch (AuthFileException e)
            {
                return LoginSupport.Fail(context, e.Message, ExitCodes.Failure);
            }

            if (inspected is null)
            {
                return ExitCodes.Failure;
            }

            var now = context.Time.GetUtcNow();
            if (parse.GetValue(json))
            {
                WriteJson(context, inspected, now, parse.GetValue(showSecret));
            }
            else
            {
                WriteText(context, inspected, now, parse.GetValue(showSecret));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Inspected? FromLogin(CliContext context, string argument, string? authFile)
    {
        var key = AuthKeys.Parse(argument);
        var found = new AuthStore(LoginSupport.Locations(context, authFile)).Find(key.Key);
        if (found is null)
        {
            LoginSupport.Fail(context, $"not logged into {key.Key}", ExitCodes.Failure);
            return null;
        }

        if (found.CredentialHelper is { } helper)
        {
            LoginSupport.Fail(context, $"the credentials for {key.Registry} are kept by docker-credential-{helper} ({found.Source}); pipe the token instead: berth token inspect -", ExitCodes.Failure);
            return null;
        }

        if (found.Credentials is null || TokenEnvelope.TryParse(found.Credentials.Password) is not { } envelope)
        {
            LoginSupport.Fail(context, $"the stored login for {found.Key} in {found.Source} is not an ECR-style registry token", ExitCodes.Failure);
            return null;
        }

        return new Inspected(envelope, found.Credentials.UserName, found.Key, found.Source);
    }

    private static async Task<Inspected?> FromStdinAsync(CliContext context, bool explicitDash, CancellationToken cancellationToken)
    {
        if (!explicitDash && LoginSupport.IsInteractive(context))
        {
            LoginSupport.Fail(context, "give a REGISTRY to inspect its stored login, or pipe a token: ... | berth token inspect -", ExitCodes.Failure);
            return null;
        }

        var text = (await context.In.ReadToEndAsync(cancellationToken)).Trim();
        if (text.Length == 0)
        {
            LoginSupport.Fail(context, "no token on stdin", ExitCodes.Failure);
            return null;
        }

        if (Parse(text) is not { } inspected)
        {
            LoginSupport.Fail(context, NotAToken, ExitCodes.Failure);
            return null;
        }

        return inspected;
    }

    // The password itself; base64("user:password") (GetAuthorizationToken's authorizationToken, auth.json's "auth");
    // "Basic <that>" as sent on the wire; or "user:password" in the clear.
    private static Inspected? Parse(string text)
    {
        if (text.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            text = text["Basic ".Length..].Trim();
        }

        if (TokenEnvelope.TryParse(text) is { } bare)
        {
            return new Inspected(bare, null, null, null);
        }

        var credentials = BasicCredentials.TryDecode(text);
        if (credentials is null && text.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
        {
            credentials = new BasicCredentials(text[..colon], text[(colon + 1)..]);
        }

        return credentials is not null && TokenEnvelope.TryParse(credentials.Password) is { } envelope
            ? new Inspected(envelope, credentials.UserName, null, null)
            : null;
    }

    private static void WriteText(CliContext context, Inspected token, DateTimeOffset now, bool showSecret)
    {
        var lines = new List<(string Label, string Value)>();
        if (token.Registry is not null)
        {
            lines.Add(("Registry", token.Registry));
            lines.Add(("Source", token.Source!));
        }

        if (token.UserName is not null)
        {
            lines.Add(("User", token.UserName));
        }

        lines.Add(("Version", token.Envelope.Version));
        lines.Add(("Type", token.Envelope.Type));
        lines.Add(("Expires", TokenTimes.Utc(token.Envelope.ExpiresAt)));
        lines.Add(("Expires (local)", TokenTimes.Local(token.Envelope.ExpiresAt, context.Time)));
        lines.Add(("Status", TokenTimes.Status(token.Envelope.ExpiresAt, now)));
        if (token.Registry is not null && token.Envelope.ExpiresAt <= now)
        {
            lines.Add(("Renew", $"berth auth refresh {token.Registry} (or berth login {token.Registry})"));
        }

        if (showSecret)
        {
            lines.Add(("Payload", token.Envelope.Payload));
            lines.Add(("Data key", token.Envelope.DataKey));
        }

        var width = lines.Max(l => l.Label.Length) + 2;
        foreach (var (label, value) in lines)
        {
            context.Out.WriteLine($"{(label + ":").PadRight(width)}{value}");
        }
    }

    private static void WriteJson(CliContext context, Inspected token, DateTimeOffset now, bool showSecret)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            if (token.Registry is not null)
            {
                writer.WriteString("registry", token.Registry);
                writer.WriteString("source", token.Source);
            }

            if (token.UserName is not null)
            {
                writer.WriteString("user", token.UserName);
            }

            writer.WriteString("version", token.Envelope.Version);
            writer.WriteString("type", token.Envelope.Type);
            writer.WriteNumber("expiration", token.Envelope.Expiration);
            writer.WriteString("expiresAt", TokenTimes.Utc(token.Envelope.ExpiresAt));
            writer.WriteString("expiresAtLocal", TokenTimes.Local(token.Envelope.ExpiresAt, context.Time));
            writer.WriteBoolean("expired", token.Envelope.ExpiresAt <= now);
            writer.WriteNumber("secondsRemaining", TokenTimes.SecondsRemaining(token.Envelope.ExpiresAt, now));
            writer.WriteString("status", TokenTimes.Status(token.Envelope.ExpiresAt, now));
            if (showSecret)
            {
                writer.WriteString("payload", token.Envelope.Payload);
                writer.WriteString("datakey", token.Envelope.DataKey);
            }

            writer.WriteEndObject();
        }

        context.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private sealed record Inspected(TokenEnvelope Envelope, string? UserName, string? Registry, string? Source);
}
