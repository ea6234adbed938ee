using System.Globalization;
using System.Xml;
using Berth.Registry;
using Berth.Registry.Iam;
using Berth.Registry.Security;

namespace Berth.Server.Iam;

/// <summary>The IAM operations: users, access keys, inline user policies, and Berth's token revocation.</summary>
/// <remarks>Each authorizes <c>iam:&lt;Action&gt;</c> on the user's ARN (<c>…:user/</c> for ListUsers) before it acts.</remarks>
internal static class IamOperations
{
    /// <summary>Berth's extension: invalidates every token a user holds now (not an AWS operation).</summary>
    public const string RevokeUserTokens = "RevokeUserTokens";

    public static async ValueTask<IResult> CreateUserAsync(IamCall call)
    {
        await call.RequireAsync(UserArn(call, call.Get("UserName") ?? ""));
        var user = await Service(call).CreateUserAsync(call.Get("UserName"), call.Get("Path"), call.Aborted);
        return call.Ok(xml => WriteUser(xml, call, user));
    }

    public static async ValueTask<IResult> GetUserAsync(IamCall call)
    {
        // Without UserName, IAM answers for the caller.
        var name = call.Get("UserName") ?? call.Caller.Principal.Name;
        await call.RequireAsync(UserArn(call, name));
        var user = await Service(call).RequireUserAsync(name, call.Aborted);
        return call.Ok(xml => WriteUser(xml, call, user));
    }

    public static async ValueTask<IResult> ListUsersAsync(IamCall call)
    {
        await call.RequireAsync(UserArn(call, ""));
        var page = await Service(call).ListUsersAsync(call.Get("PathPrefix"), call.Get("Marker"), MaxItems(call), call.Aborted);
        return call.Ok(xml =>
        {
            IamXml.List(xml, "Users", page.Items, (x, user) => WriteUserMembers(x, call, user));
            IamXml.Truncation(xml, page.Marker);
        });
    }

    public static async ValueTask<IResult> DeleteUserAsync(IamCall call)
    {
        await call.RequireAsync(UserArn(call, call.Get("UserName") ?? ""));
        await Service(call).DeleteUserAsync(call.Get("UserName"), call.Aborted);
        return call.Ok(null);
    }

    public static async ValueTask<IResult> CreateAccessKeyAsync(IamCall call)
    {
        var name = call.Get("UserName") ?? call.Caller.Principal.Name;
        await call.RequireAsync(UserArn(call, name));
        var (key, createdAt) = await Service(call).CreateAccessKeyAsync(name, call.Aborted);
        call.Http.Items[IamEndpoints.CreatedAccessKeyItem] = key.AccessKeyId;

        // The only time the secret leaves the server; it is in the response body and nowhere else.
        return call.Ok(xml =>
        {
            xml.WriteStartElement("AccessKey");
            xml.WriteElementString("UserName", key.Principal.Name);
            xml.WriteElementString("AccessKeyId", key.AccessKeyId);
            xml.WriteElementString("Status", "Active");
            xml.WriteElementString("SecretAccessKey", key.SecretAccessKey);
            xml.WriteElementString("CreateDate", IamXml.Timestamp(createdAt));
            xml.WriteEndElement();
        });
    }

    public static async ValueTask<IResult> ListAccessKeysAsync(IamCall call)
    {
        var name = call.Get("UserName") ?? call.Caller.Principal.Name;
        await call.RequireAsync(UserArn(call, name));
        var keys = await Service(call).ListAccessKeysAsync(name, call.Aborted);
        return call.Ok(xml =>
        {
            IamXml.List(xml, "AccessKeyMetadata", keys, (x, key) =>
            {
                x.WriteElementString("UserName", key.UserName);
                x.WriteElementString("AccessKeyId", key.AccessKeyId);
                x.WriteElementString("Status", key.IsActive ? "Active" : "Inactive");
                x.WriteElementString("CreateDate", IamXml.Timestamp(key.CreatedAt));
            });
            IamXml.Truncation(xml, null);
        });
    }

    public static async ValueTask<IResult> UpdateAccessKeyAsync(IamCall call)
    {
        // Without UserName the key must be the caller's own (IAM's rule): the ARN authorized is the one acted on.
        var name = call.Get("UserName") ?? call.Caller.Principal.Name;
        await call.RequireAsync(UserArn(call, name));
        await Service(call).UpdateAccessKeyAsync(name, call.Get("AccessKeyId"), call.Get("Status"), call.Aborted);
        return call.Ok(null);
    }

    public static async ValueTask<IResult> DeleteAccessKeyAsync(IamCall call)
    {
        var name = call.Get("UserName") ?? call.Caller.Principal.Name;
        await call.RequireAsync(UserArn(call, name));
        await Service(call).DeleteAccessKeyAsync(name, call.Get("AccessKeyId"), call.Aborted);
        return call.Ok(null);
    }

    public static async ValueTask<IResult> PutUserPolicyAsync(IamCall call)
    {
        await call.RequireAsync(UserArn(call, call.Get("UserName") ?? ""));
        await Service(call).PutUserPolicyAsync(call.Get("UserName"), call.Get("PolicyName"), call.Get("PolicyDocument"), call.Aborted);
        return call.Ok(null);
    }

    public static async ValueTask<IResult> GetUserPolicyAsync(IamCall call)
    {
        await call.RequireAsync(UserArn(call, call.Get("UserName") ?? ""));
        var (user, policyName, document) = await Service(call).GetUserPolicyAsync(call.Get("UserName"), call.Get("PolicyName"), call.Aborted);
        return call.Ok(xml =>
        {
            xml.WriteElementString("UserName", user.Name);
            xml.WriteElementString("PolicyName", policyName);

            // IAM returns the document URL-encoded (RFC 3986); the aws CLI decodes it back to JSON.
            xml.WriteElementString("PolicyDocument", Uri.EscapeDataString(document));
        });
    }

    public static async ValueTask<IResult> ListUserPoliciesAsync(IamCall call)
    {
        await call.RequireAsync(UserArn(call, call.Get("UserName") ?? ""));
        var names = await Service(call).ListUserPoliciesAsync(call.Get("UserName"), call.Aborted);
        return call.Ok(xml =>
        {
            IamXml.List(xml, "PolicyNames", names, (x, name) => x.WriteString(name));
            IamXml.Truncation(xml, null);
        });
    }

    public static async ValueTask<IResult> DeleteUserPolicyAsync(IamCall call)
    {
        await call.RequireAsync(UserArn(call, call.Get("UserName") ?? ""));
        await Service(call).DeleteUserPolicyAsync(call.Get("UserName"), call.Get("PolicyName"), call.Aborted);
        return call.Ok(null);
    }

    public static async ValueTask<IResult> RevokeUserTokensAsync(IamCall call)
    {
        await call.RequireAsync(UserArn(call, call.Get("UserName") ?? ""));
        var notBefore = await Service(call).RevokeTokensAsync(call.Get("UserName"), call.Aborted);
        return call.Ok(xml => xml.WriteElementString("TokensNotBefore", IamXml.Timestamp(notBefore)));
    }

    private static void WriteUser(XmlWriter xml, IamCall call, Principal user)
    {
        xml.WriteStartElement("User");
        WriteUserMembers(xml, call, user);
        xml.WriteEndElement();
    }

    private static void WriteUserMembers(XmlWriter xml, IamCall call, Principal user)
    {
        xml.WriteElementString("Path", user.Path);
        xml.WriteElementString("UserName", user.Name);
        xml.WriteElementString("UserId", user.UserId);
        xml.WriteElementString("Arn", UserArn(call, user.Name));
        xml.WriteElementString("CreateDate", IamXml.Timestamp(user.CreatedAt));
    }

    private static int? MaxItems(IamCall call)
    {
        var text = call.Get("MaxItems");
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new RegistryException(RegistryError.ValidationError, $"1 validation error detected: Value '{text}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000 and greater than or equal to 1");
    }

    // Berth's user ARNs leave the path out, so the ARN a token carries and the one policies name never disagree.
    private static string UserArn(IamCall call, string name) =>
        call.Http.RequestServices.GetRequiredService<RegistryOptions>().UserArn(name);

    private static IamService Service(IamCall call) => call.Http.RequestServices.GetRequiredService<IamService>();
}
