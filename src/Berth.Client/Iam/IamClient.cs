using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Amazon.Runtime;
using Berth.Client.Ecr;
using Berth.Protocol.Aws;

namespace Berth.Client.Iam;

/// <summary>The IAM Query API answered with an error (<c>&lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code&gt;…</c>).</summary>
/// <remarks>The message is botocore's: <c>An error occurred (Code) when calling the Action operation: message</c>.</remarks>
public sealed class IamServiceException : EcrException
{
    /// <summary>Creates the exception for a parsed error response.</summary>
    public IamServiceException(string action, string code, string message, HttpStatusCode statusCode)
        : base($"An error occurred ({code}) when calling the {action} operation: {message}")
    {
        ErrorCode = code;
        StatusCode = statusCode;
    }

    /// <summary>IAM's error code, e.g. <c>NoSuchEntity</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>The HTTP status.</summary>
    public HttpStatusCode StatusCode { get; }
}

/// <summary>A client for the IAM Query API (form-encoded <c>Action=…&amp;Version=2010-05-08</c>, SigV4 service <c>iam</c>,
/// XML responses), as botocore sends it; works against Berth and against AWS IAM.</summary>
public sealed class IamClient : IDisposable
{
    /// <summary>IAM's API version.</summary>
    public const string ApiVersion = "2010-05-08";

    private const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";
    private static readonly XNamespace Ns = "https://iam.amazonaws.com/doc/2010-05-08/";

    private readonly EcrClientOptions _options;
    private readonly HttpClient _http;

    /// <summary>Creates a client; <paramref name="options"/> name the endpoint, region (the SigV4 scope) and credentials.</summary>
    public IamClient(EcrClientOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _http = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: true) { Timeout = options.AttemptTimeout };
    }

    /// <summary>Calls <paramref name="action"/> and returns the <c>&lt;ActionResult&gt;</c> element (empty for actions without output).</summary>
    /// <exception cref="IamServiceException">IAM answered with an error.</exception>
    /// <exception cref="EcrConnectionException">The endpoint could not be reached.</exception>
    public async Task<XElement> CallAsync(string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentNullException.ThrowIfNull(parameters);
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", ApiVersion) };
        form.AddRange(parameters);
        var body = Encoding.UTF8.GetBytes(string.Join('&', form.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))));
        var credentials = await _options.Credentials.GetCredentialsAsync();
        using var request = CreateSignedRequest(_options.Endpoint, body, credentials, _options.Region, _options.TimeProvider.GetUtcNow());

        HttpStatusCode status;
        string text;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            status = response.StatusCode;
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new EcrConnectionException(_options.Endpoint, $"Could not connect to the endpoint URL: \"{_options.Endpoint}\"", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EcrConnectionException(_options.Endpoint, $"Read timeout on endpoint URL: \"{_options.Endpoint}\"", e);
        }

        XDocument xml;
        try
        {
            xml = XDocument.Parse(text);
        }
        catch (XmlException)
        {
            throw (int)status is >= 200 and < 300
                ? new EcrException($"The {action} response is not XML.")
                : new IamServiceException(action, ((int)status).ToString(CultureInfo.InvariantCulture), text.Length > 200 ? text[..200] : text, status);
        }

        if ((int)status is < 200 or >= 300)
        {
            var error = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            throw new IamServiceException(
                action,
                error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value ?? ((int)status).ToString(CultureInfo.InvariantCulture),
                error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value ?? "",
                status);
        }

        return xml.Root?.Element(Ns + (action + "Result")) ?? new XElement(Ns + (action + "Result"));
    }

    /// <summary>A child element's text (IAM's namespace), or <see langword="null"/>.</summary>
    public static string? Value(XElement parent, string name) => parent.Element(Ns + name)?.Value;

    /// <summary>The <c>&lt;member&gt;</c> elements of a list member.</summary>
    public static IEnumerable<XElement> Members(XElement parent, string name) =>
        parent.Element(Ns + name)?.Elements(Ns + "member") ?? [];

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>One signed attempt: <c>SignedHeaders=content-type;host;x-amz-date</c>, like botocore's query serializer.</summary>
    internal static HttpRequestMessage CreateSignedRequest(Uri endpoint, byte[] body, ImmutableCredentials credentials, string region, DateTimeOffset now)
    {
        var amzDate = now.UtcDateTime.ToString(SigV4.DateFormat, CultureInfo.InvariantCulture);
        var host = endpoint.IsDefaultPort ? endpoint.IdnHost : string.Create(CultureInfo.InvariantCulture, $"{endpoint.IdnHost}:{endpoint.Port}");
        var token = string.IsNullOrEmpty(credentials.Token) ? null : credentials.Token;
        var signed = new List<KeyValuePair<string, IReadOnlyList<string>>>
        {
            new("content-type", [ContentType]),
            new("host", [host]),
            new("x-amz-date", [amzDate]),
        };
        if (token is not null)
        {
            signed.Add(new("x-amz-security-token", [token]));
        }

        var path = endpoint.AbsolutePath.Length == 0 ? "/" : Uri.UnescapeDataString(endpoint.AbsolutePath);
        var scope = new CredentialScope(amzDate[..8], region, "iam");
        var canonical = SigV4.CanonicalRequest("POST", path, [], signed, SigV4.HexSha256(body));
        var signature = SigV4.Sign(credentials.SecretKey, scope, SigV4.StringToSign(amzDate, scope, canonical));
        var request = new HttpRequestMessage(HttpMethod.Post, new UriBuilder(endpoint) { Query = "", Fragment = "" }.Uri)
        {
            Version = HttpVersion.Version11,
            Content = new ByteArrayContent(body),
        };
        request.Headers.Host = host;
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", token);
        }

        request.Headers.TryAddWithoutValidation("User-Agent", ClientAssembly.UserAgent);
        request.Headers.TryAddWithoutValidation(
            "Authorization", new SigV4Authorization(credentials.AccessKey, scope, string.Join(';', signed.Select(h => h.Key)), signature).ToString());
        return request;
    }
}
