using System.Globalization;
using System.Text;
using System.Xml;

namespace Berth.Server.Iam;

/// <summary>IAM Query protocol responses: <c>&lt;ActionResponse&gt;&lt;ActionResult&gt;…&lt;/ActionResult&gt;&lt;ResponseMetadata&gt;</c>
/// and <c>&lt;ErrorResponse&gt;&lt;Error&gt;Type, Code, Message&lt;/Error&gt;&lt;RequestId&gt;</c>, as IAM sends them.</summary>
internal static class IamXml
{
    public const string Namespace = "https://iam.amazonaws.com/doc/2010-05-08/";
    public const string ContentType = "text/xml";

    private static readonly XmlWriterSettings Settings = new() { Encoding = new UTF8Encoding(false), Indent = true, Async = false };

    /// <summary>A success response; <paramref name="result"/> writes the members inside <c>&lt;ActionResult&gt;</c>
    /// (<see langword="null"/> for the operations that return nothing).</summary>
    public static IResult Response(string action, string requestId, Action<XmlWriter>? result)
    {
        var body = Write(xml =>
        {
            xml.WriteStartElement(action + "Response", Namespace);
            if (result is not null)
            {
                xml.WriteStartElement(action + "Result");
                result(xml);
                xml.WriteEndElement();
            }

            xml.WriteStartElement("ResponseMetadata");
            xml.WriteElementString("RequestId", requestId);
            xml.WriteEndElement();
            xml.WriteEndElement();
        });
        return TypedResults.Bytes(body, ContentType);
    }

    public static IResult Error(int status, string code, string message, string requestId)
    {
        var body = Write(xml =>
        {
            xml.WriteStartElement("ErrorResponse", Namespace);
            xml.WriteStartElement("Error");
            xml.WriteElementString("Type", status >= 500 ? "Receiver" : "Sender");
            xml.WriteElementString("Code", code);
            xml.WriteElementString("Message", message);
            xml.WriteEndElement();
            xml.WriteElementString("RequestId", requestId);
            xml.WriteEndElement();
        });
        return new XmlStatusResult(body, status);
    }

    /// <summary>Writes <c>&lt;name&gt;&lt;member&gt;…&lt;/member&gt;…&lt;/name&gt;</c>, IAM's list encoding.</summary>
    public static void List<T>(XmlWriter xml, string name, IEnumerable<T> items, Action<XmlWriter, T> member)
    {
        xml.WriteStartElement(name);
        foreach (var item in items)
        {
            xml.WriteStartElement("member");
            member(xml, item);
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
    }

    /// <summary>IAM's list trailer: <c>IsTruncated</c> and, when true, <c>Marker</c>.</summary>
    public static void Truncation(XmlWriter xml, string? marker)
    {
        xml.WriteElementString("IsTruncated", marker is null ? "false" : "true");
        if (marker is not null)
        {
            xml.WriteElementString("Marker", marker);
        }
    }

    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static byte[] Write(Action<XmlWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, Settings))
        {
            write(xml);
        }

        return buffer.ToArray();
    }

    private sealed class XmlStatusResult(byte[] body, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = ContentType;
            return httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
        }
    }
}
