namespace Berth.Client.CredentialHelper;

/// <summary>Why the credential helper could not answer.</summary>
public enum CredentialHelperError
{
    /// <summary>Nothing is stored and nothing is configured for the registry: the protocol's "not found".</summary>
    NotFound,

    /// <summary>The helper's configuration file is unreadable or invalid.</summary>
    Configuration,

    /// <summary>The protocol input is malformed.</summary>
    BadInput,
}

/// <summary>A credential helper failure; the message is one line, fit to show a user, and never holds a secret.</summary>
public sealed class CredentialHelperException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CredentialHelperException(CredentialHelperError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public CredentialHelperException()
        : this(CredentialHelperError.Configuration, "the credential helper failed")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CredentialHelperException(string message)
        : this(CredentialHelperError.Configuration, message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public CredentialHelperException(string message, Exception? innerException)
        : this(CredentialHelperError.Configuration, message, innerException)
    {
    }

    /// <summary>The kind of failure.</summary>
    public CredentialHelperError Error { get; }
}
