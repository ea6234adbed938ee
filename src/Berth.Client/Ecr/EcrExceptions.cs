using System.Globalization;
using System.Net;

namespace Berth.Client.Ecr;

/// <summary>A failed ECR API call; <see cref="Exception.Message"/> is one line, fit to show a user as is.</summary>
/// <remarks>Messages never carry secrets: no credentials, signatures or tokens.</remarks>
public class EcrException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    public EcrException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public EcrException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with a generic message.</summary>
    public EcrException()
        : base("The ECR API call failed.")
    {
    }
}

/// <summary>The service answered with an AWS JSON error (<c>{"__type": …, "message": …}</c>).</summary>
/// <remarks>The message is botocore's: <c>An error occurred (Code) when calling the Operation operation: message</c>.</remarks>
public sealed class EcrServiceException : EcrException
{
    /// <summary>Creates the exception for a parsed error response.</summary>
    /// <param name="operation">The operation name, e.g. <c>GetAuthorizationToken</c>.</param>
    /// <param name="error">The parsed error.</param>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="requestId">The <c>x-amzn-RequestId</c> response header, if any.</param>
    /// <param name="retryAttempts">How many retries were made before giving up.</param>
    /// <param name="maxAttemptsReached">True when the error was retryable but the attempts ran out.</param>
    public EcrServiceException(string operation, EcrError error, HttpStatusCode statusCode, string? requestId, int retryAttempts, bool maxAttemptsReached)
        : base(Format(operation, error, retryAttempts, maxAttemptsReached))
    {
        ArgumentNullException.ThrowIfNull(error);
        Operation = operation;
        ErrorCode = error.Code;
        ErrorMessage = error.Message;
        StatusCode = statusCode;
        RequestId = requestId;
        RetryAttempts = retryAttempts;
        MaxAttemptsReached = maxAttemptsReached;
    }

    /// <summary>The operation that failed.</summary>
    public string Operation { get; }

    /// <summary>The error code as botocore reports it, e.g. <c>RepositoryNotFoundException</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>The service's message (empty when it sent none).</summary>
    public string ErrorMessage { get; }

    /// <summary>The HTTP status of the last attempt.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The request id the service reported, for support cases.</summary>
    public string? RequestId { get; }

    /// <summary>How many retries were made (attempts minus one).</summary>
    public int RetryAttempts { get; }

    /// <summary>True when the error was retryable and the client gave up after its last attempt.</summary>
    public bool MaxAttemptsReached { get; }

    private static string Format(string operation, EcrError error, int retryAttempts, bool maxAttemptsReached)
    {
        ArgumentNullException.ThrowIfNull(error);
        var retryInfo = maxAttemptsReached ? string.Create(CultureInfo.InvariantCulture, $" (reached max retries: {retryAttempts})") : "";
        return $"An error occurred ({error.Code}) when calling the {operation} operation{retryInfo}: {error.Message}";
    }
}

/// <summary>The endpoint could not be reached (refused, unresolvable, TLS failure, timeout).</summary>
public sealed class EcrConnectionException : EcrException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="url">The request URL, as the message shows it.</param>
    /// <param name="message">The one-line message, naming <paramref name="url"/>.</param>
    /// <param name="innerException">The transport error.</param>
    public EcrConnectionException(Uri url, string message, Exception? innerException)
        : base(message, innerException)
    {
        Url = url;
    }

    /// <summary>The URL the client tried to reach.</summary>
    public Uri Url { get; }
}
