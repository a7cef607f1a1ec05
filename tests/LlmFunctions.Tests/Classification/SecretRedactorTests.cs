using LlmFunctions.Classification;
using LlmFunctions.Providers;
using LlmFunctions.Security;

namespace LlmFunctions.Tests.Classification;

public class SecretRedactorTests
{
    private const string KnownKey = "my-very-secret-config-key-42";

    [Theory]
    [InlineData("Authorization: Bearer abc.def-ghi", "abc.def-ghi", "Authorization: ***")]
    [InlineData("authorization:Basic dXNlcjpwYXNz", "dXNlcjpwYXNz", "authorization: ***")]
    [InlineData("x-api-key: 12345678abcdef", "12345678abcdef", "x-api-key: ***")]
    [InlineData("sent Bearer eyJhbGciOi.J9.sig== to host", "eyJhbGciOi", "sent Bearer *** to host")]
    [InlineData("GET /v1?api_key=abc123&x=1", "abc123", "GET /v1?api_key=***&x=1")]
    [InlineData("https://h/models?key=AIzaSyD-abc", "AIzaSyD-abc", "https://h/models?key=***")]
    [InlineData("?token=t0k3n", "t0k3n", "?token=***")]
    [InlineData("&access_token=at-123 rest", "at-123", "&access_token=*** rest")]
    [InlineData("{\"api_key\": \"plain-secret\"}", "plain-secret", "{\"api_key\": \"***\"}")]
    [InlineData("key sk-proj-AbCdEfGhIjKlMnOpQrSt was bad", "sk-proj-AbCdEfGhIjKlMnOpQrSt", "key *** was bad")]
    [InlineData("sk-or-v1-0123456789abcdef0123", "sk-or-v1-0123456789abcdef0123", "***")]
    [InlineData("gsk_ABCDEFGHIJKLMNOPQRSTUVWX invalid", "gsk_ABCDEFGHIJKLMNOPQRSTUVWX", "*** invalid")]
    [InlineData("hf_abcdefghijklmnopqrstuvwx", "hf_abcdefghijklmnopqrstuvwx", "***")]
    [InlineData("ghp_abcdefghijklmnopqrstuvwx1234", "ghp_abcdefghijklmnopqrstuvwx1234", "***")]
    [InlineData("github_pat_11ABCDEFG_abcdefghijklmnop", "github_pat_11ABCDEFG_abcdefghijklmnop", "***")]
    [InlineData("csk-abcdefghijklmnopqrstuvwx", "csk-abcdefghijklmnopqrstuvwx", "***")]
    public void Redact_SecretPattern_IsMasked(string text, string secret, string expected)
    {
        var redacted = new SecretRedactor().Redact(text);

        Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        Assert.Equal(expected, redacted);
    }

    [Theory]
    [InlineData("The monkey=banana and risk-free text")]
    [InlineData("sk-learn is a library")]
    [InlineData("HTTP 403 Forbidden")]
    public void Redact_OrdinaryText_IsUnchanged(string text)
    {
        Assert.Equal(text, new SecretRedactor().Redact(text));
    }

    [Fact]
    public void Redact_KnownSecret_IsMaskedAnywhere()
    {
        var redactor = new SecretRedactor([KnownKey]);

        var redacted = redactor.Redact($"invalid key '{KnownKey}' for account");

        Assert.Equal("invalid key '***' for account", redacted);
    }

    [Fact]
    public void Redact_ShortKnownSecret_IsIgnored()
    {
        var redactor = new SecretRedactor(["abc", "1234567", null, "  "]);

        Assert.Equal("abc 1234567", redactor.Redact("abc 1234567"));
    }

    [Fact]
    public void Redact_AdditionalSecret_IsMasked()
    {
        Assert.Equal("key *** echoed", new SecretRedactor().Redact($"key {KnownKey} echoed", KnownKey));
    }

    [Fact]
    public void Redact_Null_ReturnsEmpty()
    {
        Assert.Equal(string.Empty, new SecretRedactor().Redact(null));
    }

    [Fact]
    public void Redact_ConcurrentRegistrationAndRedaction_IsSafe()
    {
        var redactor = new SecretRedactor();
        var secrets = Enumerable.Range(0, 200).Select(i => $"concurrent-secret-{i:D4}").ToArray();

        Parallel.For(0, secrets.Length, i =>
        {
            redactor.AddSecret(secrets[i]);
            Assert.DoesNotContain(secrets[i], redactor.Redact($"x {secrets[i]} y"), StringComparison.Ordinal);
        });

        Assert.All(secrets, s => Assert.Equal("***", redactor.Redact(s)));
    }

    [Fact]
    public void Classify_BodyExcerptEchoingKnownKey_NeverKeepsKey()
    {
        var classifier = new ErrorClassifier(TimeProvider.System, new SecretRedactor([KnownKey]));

        var outcome = classifier.Classify(new ProviderResponse
        {
            StatusCode = 403,
            BodyExcerpt = $"{{\"error\":\"invalid api key {KnownKey}\"}}",
        });

        Assert.DoesNotContain(KnownKey, outcome.BodyExcerpt!, StringComparison.Ordinal);
        Assert.DoesNotContain(KnownKey, outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("***", outcome.BodyExcerpt!, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_ExceptionMessageWithKey_ReasonNeverContainsKey()
    {
        var classifier = new ErrorClassifier(TimeProvider.System, new SecretRedactor([KnownKey]));
        var exceptions = new Exception[]
        {
            new HttpRequestException($"failed for https://h/?key={KnownKey}"),
            new InvalidOperationException($"Bearer {KnownKey}"),
            new IOException(KnownKey),
            new TimeoutException(KnownKey),
        };

        foreach (var exception in exceptions)
        {
            var outcome = classifier.Classify(exception, cancelledByCaller: false);
            Assert.DoesNotContain(KnownKey, outcome.Reason, StringComparison.Ordinal);
        }
    }

    private const string SlashPlusKey = "ab/cd+ef==gh/ij+kl=";

    public static TheoryData<string> EncodedForms => new()
    {
        SlashPlusKey,
        System.Text.Json.JsonEncodedText.Encode(SlashPlusKey).ToString(),
        "ab\\/cd\\u002bef\\u003d\\u003dgh\\/ij\\u002Bkl\\u003D",
        Uri.EscapeDataString(SlashPlusKey),
        Uri.EscapeDataString(SlashPlusKey).ToLowerInvariant(),
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(SlashPlusKey)),
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("Bearer " + SlashPlusKey)),
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("x:" + SlashPlusKey)).Replace('+', '-').Replace('/', '_'),
    };

    [Theory]
    [MemberData(nameof(EncodedForms))]
    public void Redact_KnownSecretEncoded_IsMasked(string form)
    {
        var redacted = new SecretRedactor([SlashPlusKey]).Redact($"provider said: {form} (end)");

        Assert.DoesNotContain(form, redacted, StringComparison.Ordinal);
        Assert.StartsWith("provider said: ", redacted, StringComparison.Ordinal);
        Assert.EndsWith(" (end)", redacted, StringComparison.Ordinal);
        Assert.Contains(SecretRedactor.Mask, redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_AdditionalSecretUrlEncoded_IsMasked()
    {
        var redacted = new SecretRedactor().Redact("value " + Uri.EscapeDataString(SlashPlusKey) + " end", SlashPlusKey);

        Assert.DoesNotContain("%2F", redacted, StringComparison.Ordinal);
    }
}
