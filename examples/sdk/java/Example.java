// Pointing the Java international SDK at faceid-emulator:
// ApplyWebVerificationBizTokenIntl, then (instead of a person in a browser)
// the emulator's control API completes the verification, then
// GetWebVerificationResultIntl reads the result.
//
// Dependency (Maven):
//   <dependency>
//     <groupId>com.tencentcloudapi</groupId>
//     <artifactId>tencentcloud-sdk-java-intl-en</artifactId>
//     <version>3.1.16</version>
//   </dependency>
// Java 11 or later (java.net.http for the control call).
//
// Environment (all optional):
//   FACEID_ENDPOINT      host:port of the emulator, WITHOUT a scheme (default 127.0.0.1:8780)
//   FACEID_SECRET_ID     default: the emulator's documented default credential
//   FACEID_SECRET_KEY
//   FACEID_REGION        default ap-singapore
//   EMULATOR_ADMIN_TOKEN only if the emulator runs with one (control API)
//
// Only the HttpProfile differs from production: setEndpoint(host:port) and
// setProtocol(HttpProfile.REQ_HTTP), i.e. "http://" with the "://".

import com.tencentcloudapi.common.Credential;
import com.tencentcloudapi.common.exception.TencentCloudSDKException;
import com.tencentcloudapi.common.profile.ClientProfile;
import com.tencentcloudapi.common.profile.HttpProfile;
import com.tencentcloudapi.faceid.v20180301.FaceidClient;
import com.tencentcloudapi.faceid.v20180301.models.ApplyWebVerificationBizTokenIntlRequest;
import com.tencentcloudapi.faceid.v20180301.models.ApplyWebVerificationBizTokenIntlResponse;
import com.tencentcloudapi.faceid.v20180301.models.GetWebVerificationResultIntlRequest;
import com.tencentcloudapi.faceid.v20180301.models.GetWebVerificationResultIntlResponse;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public class Example {
    // The emulator's documented default credential; it is not a secret.
    static final String DEFAULT_SECRET_ID = "AKIDEMULATOR00000000000000000000000";
    static final String DEFAULT_SECRET_KEY = "emulator-secret-key-0000000000000000";

    static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? def : v;
    }

    static final String ENDPOINT = env("FACEID_ENDPOINT", "127.0.0.1:8780");

    public static void main(String[] args) throws Exception {
        HttpProfile httpProfile = new HttpProfile();
        httpProfile.setEndpoint(ENDPOINT);                 // host:port, no scheme
        httpProfile.setProtocol(HttpProfile.REQ_HTTP);     // "http://"
        ClientProfile clientProfile = new ClientProfile(); // TC3-HMAC-SHA256
        clientProfile.setHttpProfile(httpProfile);
        Credential cred = new Credential(
                env("FACEID_SECRET_ID", DEFAULT_SECRET_ID),
                env("FACEID_SECRET_KEY", DEFAULT_SECRET_KEY));
        FaceidClient client = new FaceidClient(cred, env("FACEID_REGION", "ap-singapore"), clientProfile);

        try {
            // 1. Apply: what the merchant backend does when a user starts eKYC.
            ApplyWebVerificationBizTokenIntlRequest apply = new ApplyWebVerificationBizTokenIntlRequest();
            apply.setRedirectURL("https://merchant.example/kyc/done");
            apply.setExtra("order-42");
            ApplyWebVerificationBizTokenIntlResponse applied = client.ApplyWebVerificationBizTokenIntl(apply);
            System.out.println("BizToken: " + applied.getBizToken());
            System.out.println("VerificationURL: " + applied.getVerificationURL());

            // 2. The user would open VerificationURL; the emulator lets a test skip it.
            complete(applied.getBizToken(), 0);

            // 3. Get: what the merchant backend does on the RedirectURL callback.
            GetWebVerificationResultIntlRequest get = new GetWebVerificationResultIntlRequest();
            get.setBizToken(applied.getBizToken());
            GetWebVerificationResultIntlResponse result = client.GetWebVerificationResultIntl(get);
            if (result.getErrorCode() == null) {
                System.out.println("ErrorCode: null (verification still pending)");
            } else {
                System.out.println("ErrorCode: " + result.getErrorCode() + " (" + result.getErrorMsg() + ")");
            }
        } catch (TencentCloudSDKException e) {
            System.err.println("error: " + e.getErrorCode() + ": " + e.getMessage() + " (RequestId " + e.getRequestId() + ")");
            System.exit(1);
        }
    }

    // complete finishes the verification through the emulator's control API
    // (emulator-only; in production the user does this in the browser).
    static void complete(String token, int errorCode) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder()
                .uri(URI.create("http://" + ENDPOINT + "/_emulator/sessions/" + token + "/complete"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ErrorCode\":" + errorCode + "}"));
        String adminToken = System.getenv("EMULATOR_ADMIN_TOKEN");
        if (adminToken != null && !adminToken.isEmpty()) {
            req.header("Authorization", "Bearer " + adminToken);
        }
        HttpResponse<String> resp = HttpClient.newHttpClient().send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) {
            throw new IllegalStateException("complete: HTTP " + resp.statusCode() + ": " + resp.body());
        }
    }
}
