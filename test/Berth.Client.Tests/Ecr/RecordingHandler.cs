using System.Net;
using System.Text;

namespace Berth.Client.Tests.Ecr;

/// <summary>One request as the handler received it: every header HttpClient would put on the wire, and the body.</summary>
internal sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"no {name} header");
}

/// <summary>Records requests and answers with the responses a test scripts, by attempt number (1-based).</summary>
internal sealed class RecordingHandler(Func<int, HttpResponseMessage> respond) : HttpMessageHandler
{
    private readonly List<RecordedRequest> _requests = [];

    public IReadOnlyList<RecordedRequest> Requests => _requests;

    public Action? OnRequest { get; init; }

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.1") };

    public static HttpResponseMessage TokenResponse(string password = "eyJwYXlsb2FkIjoiYWJj", string proxyEndpoint = "https://127.0.0.1:18080") =>
        Json(HttpStatusCode.OK, $$"""{"authorizationData":[{"authorizationToken":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes("AWS:" + password))}}","expiresAt":1.796308523241E9,"proxyEndpoint":"{{proxyEndpoint}}"}]}""");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name] = string.Join(',', values);
        }

        var body = "";
        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers)
            {
                headers[name] = string.Join(',', values);
            }

            body = await request.Content.ReadAsStringAsync(cancellationToken);
        }

        _requests.Add(new RecordedRequest(request.Method, request.RequestUri!, headers, body));
        OnRequest?.Invoke();
        return respond(_requests.Count);
    }
}
