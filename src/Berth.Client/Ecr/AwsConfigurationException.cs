namespace Berth.Client.Ecr;

/// <summary>What kind of configuration problem an <see cref="AwsConfigurationException"/> reports.</summary>
public enum AwsConfigurationError
{
    /// <summary>No region anywhere (<c>You must specify a region. …</c>).</summary>
    MissingRegion,

    /// <summary>No credentials anywhere (<c>Unable to locate credentials. …</c>).</summary>
    MissingCredentials,

    /// <summary>An access key without its secret (<c>Partial credentials found in env, missing: …</c>).</summary>
    PartialCredentials,

    /// <summary>An explicitly selected profile that neither file defines.</summary>
    ProfileNotFound,

    /// <summary>An endpoint URL without a scheme, or not an http(s) URL.</summary>
    InvalidEndpoint,

    /// <summary>A region that is not a valid host label.</summary>
    InvalidRegion,

    /// <summary>A config or credentials file that cannot be read or parsed, or refers to a missing section.</summary>
    InvalidConfigFile,

    /// <summary>A profile whose credentials need a provider Berth does not implement (assume-role, SSO).</summary>
    UnsupportedCredentials,
}

/// <summary>The endpoint, region or credentials could not be resolved; the message is the aws CLI's wording.</summary>
public sealed class AwsConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AwsConfigurationException(AwsConfigurationError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public AwsConfigurationException()
        : base("The AWS configuration is invalid.")
    {
        Error = AwsConfigurationError.InvalidConfigFile;
    }

    /// <summary>Creates the exception with a message.</summary>
    public AwsConfigurationException(string message)
        : base(message)
    {
        Error = AwsConfigurationError.InvalidConfigFile;
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public AwsConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Error = AwsConfigurationError.InvalidConfigFile;
    }

    /// <summary>The kind of problem.</summary>
    public AwsConfigurationError Error { get; }
}
