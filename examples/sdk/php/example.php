<?php
// Pointing the PHP international SDK at faceid-emulator:
// ApplyWebVerificationBizTokenIntl, then (instead of a person in a browser)
// the emulator's control API completes the verification, then
// GetWebVerificationResultIntl reads the result.
//
//   composer require tencentcloud/tencentcloud-sdk-php-intl-en
//   php example.php                  # prints "ErrorCode: 0 (...)"
//
// Environment (all optional):
//   FACEID_ENDPOINT      host:port of the emulator, WITHOUT a scheme (default 127.0.0.1:8780)
//   FACEID_SECRET_ID     default: the emulator's documented default credential
//   FACEID_SECRET_KEY
//   FACEID_REGION        default ap-singapore
//   EMULATOR_ADMIN_TOKEN only if the emulator runs with one (control API)
//
// Only the HttpProfile differs from production: setEndpoint(host:port) and
// setProtocol("http://"), with the "://".

require_once __DIR__ . '/vendor/autoload.php';

use TencentCloud\Common\Credential;
use TencentCloud\Common\Exception\TencentCloudSDKException;
use TencentCloud\Common\Profile\ClientProfile;
use TencentCloud\Common\Profile\HttpProfile;
use TencentCloud\Faceid\V20180301\FaceidClient;
use TencentCloud\Faceid\V20180301\Models\ApplyWebVerificationBizTokenIntlRequest;
use TencentCloud\Faceid\V20180301\Models\GetWebVerificationResultIntlRequest;

// The emulator's documented default credential; it is not a secret.
const DEFAULT_SECRET_ID = 'AKIDEMULATOR00000000000000000000000';
const DEFAULT_SECRET_KEY = 'emulator-secret-key-0000000000000000';

function envOr(string $name, string $default): string
{
    $v = getenv($name);
    return ($v === false || $v === '') ? $default : $v;
}

$endpoint = envOr('FACEID_ENDPOINT', '127.0.0.1:8780');

$httpProfile = new HttpProfile();
$httpProfile->setEndpoint($endpoint);   // host:port, no scheme
$httpProfile->setProtocol('http://');   // HttpProfile::$REQ_HTTP
$clientProfile = new ClientProfile();   // TC3-HMAC-SHA256
$clientProfile->setHttpProfile($httpProfile);
$credential = new Credential(envOr('FACEID_SECRET_ID', DEFAULT_SECRET_ID), envOr('FACEID_SECRET_KEY', DEFAULT_SECRET_KEY));
$client = new FaceidClient($credential, envOr('FACEID_REGION', 'ap-singapore'), $clientProfile);

// complete finishes the verification through the emulator's control API
// (emulator-only; in production the user does this in the browser).
function complete(string $endpoint, string $token, int $errorCode): void
{
    $headers = "Content-Type: application/json\r\n";
    $adminToken = getenv('EMULATOR_ADMIN_TOKEN');
    if ($adminToken !== false && $adminToken !== '') {
        $headers .= "Authorization: Bearer $adminToken\r\n";
    }
    $context = stream_context_create(['http' => [
        'method' => 'POST',
        'header' => $headers,
        'content' => json_encode(['ErrorCode' => $errorCode]),
        'timeout' => 10,
        'ignore_errors' => true,
    ]]);
    $body = file_get_contents("http://$endpoint/_emulator/sessions/$token/complete", false, $context);
    $status = isset($http_response_header[0]) ? $http_response_header[0] : 'no response';
    if (strpos($status, ' 200 ') === false) {
        throw new RuntimeException("complete: $status: $body");
    }
}

try {
    // 1. Apply: what the merchant backend does when a user starts eKYC.
    $apply = new ApplyWebVerificationBizTokenIntlRequest();
    $apply->fromJsonString(json_encode([
        'RedirectURL' => 'https://merchant.example/kyc/done',
        'Extra' => 'order-42',
    ]));
    $applied = $client->ApplyWebVerificationBizTokenIntl($apply);
    echo 'BizToken: ', $applied->getBizToken(), PHP_EOL;
    echo 'VerificationURL: ', $applied->getVerificationURL(), PHP_EOL;

    // 2. The user would open VerificationURL; the emulator lets a test skip it.
    complete($endpoint, $applied->getBizToken(), 0);

    // 3. Get: what the merchant backend does on the RedirectURL callback.
    $get = new GetWebVerificationResultIntlRequest();
    $get->setBizToken($applied->getBizToken());
    $result = $client->GetWebVerificationResultIntl($get);
    if ($result->getErrorCode() === null) {
        echo 'ErrorCode: null (verification still pending)', PHP_EOL;
    } else {
        echo 'ErrorCode: ', $result->getErrorCode(), ' (', $result->getErrorMsg(), ')', PHP_EOL;
    }
} catch (TencentCloudSDKException $e) {
    fwrite(STDERR, 'error: ' . $e->getErrorCode() . ': ' . $e->getMessage() . ' (RequestId ' . $e->getRequestId() . ')' . PHP_EOL);
    exit(1);
}
