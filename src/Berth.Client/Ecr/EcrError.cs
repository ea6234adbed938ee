using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Berth.Client.Ecr;

/// <summary>An AWS JSON 1.1 error, parsed the way botocore's <c>BaseJSONParser._do_error_parse</c> parses it.</summary>
/// <param name="Code">The error code: <c>__type</c> cut before the first <c>:</c> and after the last <c>#</c>, or the HTTP status.</param>
/// <param name="Message">The <c>message</c> member, else <c>Message</c>, else empty.</param>
public sealed record EcrError(string Code, string Message)
{
    // A body that is not JSON becomes the message (botocore does the same); keep it to one bounded line.
    private const int MaxRawMessageLength = 512;

    /// <summary>Parses an error response body.</summary>
    /// <param name="statusCode">The HTTP status, the code when the body has no <c>__type</c>.</param>
    /// <param name="body">The raw response body.</param>
    public static EcrError Parse(int statusCode, ReadOnlySpan<byte> body)
    {
        string? type = null;
        string? message = null;
        if (!body.IsEmpty)
        {
            try
            {
                using var json = JsonDocument.Parse(body.ToArray());
                if (json.RootElement.ValueKind == JsonValueKind.Object)
                {
                    type = StringMember(json.RootElement, "__type");
                    message = StringMember(json.RootElement, "message") ?? StringMember(json.RootElement, "Message");
                }
            }
            catch (JsonException)
            {
                message = OneLine(Encoding.UTF8.GetString(body));
            }
        }

        var code = type ?? statusCode.ToString(CultureInfo.InvariantCulture);
        var colon = code.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            code = code[..colon];
        }

        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        return new EcrError(code, message ?? "");
    }

    private static string? StringMember(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                _ => value.GetRawText(),
            }
            : null;

    private static string OneLine(string text)
    {
        var line = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= MaxRawMessageLength ? line : line[..MaxRawMessageLength] + "...";
    }
}
