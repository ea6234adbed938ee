using System.CommandLine;
using System.Text;
using System.Text.Json;
using Berth.Client.CredentialHelper;

namespace Berth.Cli.Commands;

/// <summary><c>berth auth list</c>: every stored login in the files podman and docker read, with ECR-style token expiry.</summary>
internal static class AuthListCommand
{
    public static Command Create(CliContext context)
    {
        var authFile = new Option<string?>("--authfile") { Description = "List only this file [env: REGISTRY_AUTH_FILE]" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("list", "List stored logins (registry, user, file, and when ECR-style tokens expire) in the order podman reads them.") { authFile, json };
        command.SetAction(parse =>
        {
            try
            {
                return Run(context, parse.GetValue(authFile), parse.GetValue(json));
            }
            catch (Client.Auth.AuthFileException e)
            {
                return LoginSupport.Fail(context, e.Message, ExitCodes.Failure);
            }
        });
        return command;
    }

    private static int Run(CliContext context, string? authFile, bool json)
    {
        var locations = LoginSupport.Locations(context, authFile);
        var logins = AuthLogins.ReadAll(locations, out var problems);
        foreach (var problem in problems)
        {
            context.Error.WriteLine($"warning: {problem.ReplaceLineEndings(" ")}");
        }

        var now = context.Time.GetUtcNow();
        var cached = CachedTokens(context);
        var rows = logins.Select(l => Row.From(l, now, cached)).ToList();
        if (json)
        {
            WriteJson(context, rows, locations.ReadOrder.Select(s => s.Path));
            return ExitCodes.Ok;
        }

        if (rows.Count == 0)
        {
            context.Out.WriteLine($"No stored logins in {string.Join(", ", locations.ReadOrder.Select(s => s.Path))}.");
            return ExitCodes.Ok;
        }

        WriteTable(context, rows);
        var expired = rows.Where(r => r.Expired == true).Select(r => r.Registry).Distinct().ToList();
        if (expired.Count > 0)
        {
            context.Out.WriteLine();
            context.Out.WriteLine($"{(expired.Count == 1 ? "1 login has" : $"{expired.Count} logins have")} expired: renew with 'berth auth refresh {(expired.Count == 1 ? expired[0] : "--all")}' (or log in again with 'berth login').");
        }

        return ExitCodes.Ok;
    }

    // Tokens docker-credential-berth holds, so a credHelpers row can say when its token runs out.
    private static IReadOnlyList<CachedToken> CachedTokens(CliContext context)
    {
        try
        {
            return new TokenCache(BerthUserPaths.Resolve(context.Environment).CacheDirectory).ReadAll();
        }
        catch (CredentialHelperException)
        {
            return [];
        }
    }

    private static void WriteTable(CliContext context, List<Row> rows)
    {
        string[] header = ["REGISTRY", "USER", "EXPIRES", "STATUS", "SOURCE"];
        var cells = rows.Select(r => new[] { r.Registry, r.User ?? "-", r.ExpiresAt is { } at ? TokenTimes.Utc(at) : "-", r.Status, r.Source }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Max(c => c[i].Length))).ToArray();
        foreach (var line in cells.Prepend(header))
        {
            context.Out.WriteLine(string.Join("  ", line.Select((cell, i) => i == line.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static void WriteJson(CliContext context, List<Row> rows, IEnumerable<string> files)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("files");
            foreach (var file in files)
            {
                writer.WriteStringValue(file);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("logins");
            foreach (var row in rows)
            {
                writer.WriteStartObject();
                writer.WriteString("registry", row.Registry);
                writer.WriteString("source", row.Source);
                writer.WriteString("kind", row.Kind);
                if (row.User is not null)
                {
                    writer.WriteString("user", row.User);
                }

                if (row.Helper is not null)
                {
                    writer.WriteString("credentialHelper", "docker-credential-" + row.Helper);
                }

                if (row.ExpiresAt is { } at)
                {
                    writer.WriteString("expiresAt", TokenTimes.Utc(at));
                    writer.WriteNumber("expiration", at.ToUnixTimeSeconds());
                    writer.WriteNumber("secondsRemaining", row.SecondsRemaining!.Value);
                    writer.WriteBoolean("expired", row.Expired!.Value);
                }

                writer.WriteString("status", row.Status);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        context.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private sealed record Row(string Registry, string Source, string Kind, string? User, string? Helper, DateTimeOffset? ExpiresAt, bool? Expired, long? SecondsRemaining, string Status)
    {
        public static Row From(StoredLogin login, DateTimeOffset now, IReadOnlyList<CachedToken> cached)
        {
            if (login.Helper is { } helper)
            {
                // docker-credential-berth's own cache knows when the token it hands out expires.
                var token = helper == CredentialHelperCommand.HelperSuffix
                    ? cached.Where(t => t.Registry == login.Key).MaxBy(t => t.ExpiresAt)
                    : null;
                var status = $"credential helper docker-credential-{helper}"
                    + (token is null ? "" : $", cached token {TokenTimes.Status(token.Expires, now)}");
                return new Row(login.Key, login.Source, "credentialHelper", token is null ? null : "AWS", helper, token?.Expires, token is null ? null : token.Expires <= now,
                    token is null ? null : TokenTimes.SecondsRemaining(token.Expires, now), status);
            }

            var entry = login.Entry!;
            if (login.Token is { } envelope)
            {
                var expired = envelope.ExpiresAt <= now;
                return new Row(login.Key, login.Source, "ecrToken", entry.Credentials!.UserName, null, envelope.ExpiresAt, expired,
                    TokenTimes.SecondsRemaining(envelope.ExpiresAt, now), expired ? "EXPIRED " + TokenTimes.Span(now - envelope.ExpiresAt) + " ago" : TokenTimes.Status(envelope.ExpiresAt, now));
            }

            return entry switch
            {
                { Credentials: { } credentials } => new Row(login.Key, login.Source, "password", credentials.UserName, null, null, null, null, "password (no expiry recorded)"),
                { IdentityToken.Length: > 0 } => new Row(login.Key, login.Source, "identityToken", null, null, null, null, null, "identity token"),
                _ => new Row(login.Key, login.Source, "empty", null, null, null, null, null, "no credentials (ignored)"),
            };
        }
    }
}
