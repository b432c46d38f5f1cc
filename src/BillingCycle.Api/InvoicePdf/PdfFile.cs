using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace BillingCycle.Api.InvoicePdf;

/// <summary>
/// An invoice PDF answer: shown in the browser (inline) under the invoice's number, never cached
/// (its status changes when it is paid), and documented in OpenAPI as 200 application/pdf.
/// </summary>
public sealed class PdfFile(byte[] content, string invoiceNumber) : IResult, IEndpointMetadataProvider
{
    public byte[] Content { get; } = content;

    /// <summary>INV-202611-000042.pdf; anything but letters, digits and dashes is dropped (it goes into a header).</summary>
    public string FileName { get; } = new string(invoiceNumber.Where(ch => char.IsAsciiLetterOrDigit(ch) || ch == '-').ToArray()) + ".pdf";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/pdf";
        response.ContentLength = Content.Length;
        response.Headers.ContentDisposition = $"inline; filename=\"{FileName}\"";
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        await response.Body.WriteAsync(Content, httpContext.RequestAborted);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(byte[]), ["application/pdf"]));
}
