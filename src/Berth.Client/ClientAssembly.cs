namespace Berth.Client;

/// <summary>Identifies the client library (User-Agent).</summary>
public static class ClientAssembly
{
    /// <summary>The User-Agent product token Berth's client sends.</summary>
    public static string UserAgent => $"berth/{typeof(ClientAssembly).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"}";
}
