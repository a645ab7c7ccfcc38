// Command go is the Go example of pointing the official Tencent Cloud Go SDK
// at faceid-emulator: ApplyWebVerificationBizTokenIntl, then (instead of a
// person in a browser) the emulator's control API completes the
// verification, then GetWebVerificationResultIntl reads the result.
//
//	emulator &                       # or: docker run -p 8780:8780 ghcr.io/faceid-emulator/faceid-emulator
//	go run ./examples/sdk/go         # prints "ErrorCode: 0 (...)"
//
// Environment (all optional):
//
//	FACEID_ENDPOINT    host:port of the emulator, WITHOUT a scheme (default 127.0.0.1:8780)
//	FACEID_SECRET_ID   default: the emulator's documented default credential
//	FACEID_SECRET_KEY
//	FACEID_REGION      default ap-singapore
//	EMULATOR_ADMIN_TOKEN  only if the emulator runs with one (control API)
//
// Only two settings differ from production: HttpProfile.Endpoint (host:port,
// no scheme) and HttpProfile.Scheme = "http". In your code, read them from
// configuration and leave them unset in production.
//
// This uses the CommonClient of github.com/tencentcloud/tencentcloud-sdk-go
// (module .../tencentcloud/common, no generated faceid package needed). The
// same with the typed client of the international SDK
// (go get github.com/tencentcloud/tencentcloud-sdk-go-intl-en):
//
//	import (
//	    "github.com/tencentcloud/tencentcloud-sdk-go-intl-en/tencentcloud/common"
//	    "github.com/tencentcloud/tencentcloud-sdk-go-intl-en/tencentcloud/common/profile"
//	    faceid "github.com/tencentcloud/tencentcloud-sdk-go-intl-en/tencentcloud/faceid/v20180301"
//	)
//
//	cpf := profile.NewClientProfile()
//	cpf.HttpProfile.Endpoint = endpoint // "127.0.0.1:8780"
//	cpf.HttpProfile.Scheme = "http"     // the deprecated HttpProfile.Protocol is ignored
//	client, _ := faceid.NewClient(common.NewCredential(id, key), "ap-singapore", cpf)
//
//	apply := faceid.NewApplyWebVerificationBizTokenIntlRequest()
//	apply.RedirectURL = common.StringPtr("https://merchant.example/kyc/done")
//	applied, err := client.ApplyWebVerificationBizTokenIntl(apply)
//	// *applied.Response.BizToken, *applied.Response.VerificationURL
//
//	get := faceid.NewGetWebVerificationResultIntlRequest()
//	get.BizToken = applied.Response.BizToken
//	result, err := client.GetWebVerificationResultIntl(get)
//	// result.Response.ErrorCode is nil while the verification is pending
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
)

// The emulator's documented default credential (emulator.DefaultSecretID /
// DefaultSecretKey). It is not a secret.
const (
	defaultSecretID  = "AKIDEMULATOR00000000000000000000000"
	defaultSecretKey = "emulator-secret-key-0000000000000000"
)

func main() {
	if err := run(); err != nil {
		var sdkErr *tcerr.TencentCloudSDKError
		if errors.As(err, &sdkErr) {
			fmt.Fprintf(os.Stderr, "error: %s: %s (RequestId %s)\n", sdkErr.Code, sdkErr.Message, sdkErr.RequestId)
		} else {
			fmt.Fprintln(os.Stderr, "error:", err)
		}
		os.Exit(1)
	}
}

func run() error {
	endpoint := env("FACEID_ENDPOINT", "127.0.0.1:8780")
	secretID := env("FACEID_SECRET_ID", defaultSecretID)
	secretKey := env("FACEID_SECRET_KEY", defaultSecretKey)
	region := env("FACEID_REGION", "ap-singapore")

	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = endpoint // host:port only: "http://..." here makes the SDK dial "http//..."
	cpf.HttpProfile.Scheme = "http"     // the emulator serves plain HTTP (HTTPS: EMULATOR_TLS=true)
	cpf.HttpProfile.ReqTimeout = 30
	cpf.Language = "en-US" // error messages in English (this module defaults to zh-CN)
	client := common.NewCommonClient(common.NewCredential(secretID, secretKey), region, cpf)

	// 1. Apply: what the merchant backend does when a user starts eKYC.
	var applied struct {
		BizToken        string
		VerificationURL string
		RequestId       string
	}
	err := send(client, "ApplyWebVerificationBizTokenIntl", map[string]any{
		"RedirectURL": "https://merchant.example/kyc/done",
		"Extra":       "order-42",
	}, &applied)
	if err != nil {
		return fmt.Errorf("ApplyWebVerificationBizTokenIntl: %w", err)
	}
	fmt.Println("BizToken:", applied.BizToken)
	fmt.Println("VerificationURL:", applied.VerificationURL)

	// 2. In production the user now opens VerificationURL. Against the
	// emulator a test can open it in a headless browser, or skip the browser
	// and complete the session through the control API (emulator-only).
	if err := complete(endpoint, applied.BizToken, 0); err != nil {
		return err
	}

	// 3. Get: what the merchant backend does on the RedirectURL callback.
	var result struct {
		ErrorCode *int64 // null while the verification is pending
		ErrorMsg  *string
		Extra     *string
		RequestId string
	}
	if err := send(client, "GetWebVerificationResultIntl", map[string]any{"BizToken": applied.BizToken}, &result); err != nil {
		return fmt.Errorf("GetWebVerificationResultIntl: %w", err)
	}
	if result.ErrorCode == nil {
		fmt.Println("ErrorCode: null (verification still pending)")
		return nil
	}
	msg := ""
	if result.ErrorMsg != nil {
		msg = *result.ErrorMsg
	}
	fmt.Printf("ErrorCode: %d (%s)\n", *result.ErrorCode, msg)
	return nil
}

// send calls a faceid 2018-03-01 action and decodes Response into out. API
// errors come back as *errors.TencentCloudSDKError.
func send(c *common.Client, action string, params map[string]any, out any) error {
	req := tchttp.NewCommonRequest("faceid", "2018-03-01", action)
	if err := req.SetActionParameters(params); err != nil {
		return err
	}
	resp := tchttp.NewCommonResponse()
	if err := c.Send(req, resp); err != nil {
		return err
	}
	var envelope struct{ Response json.RawMessage }
	if err := json.Unmarshal(resp.GetBody(), &envelope); err != nil {
		return err
	}
	return json.Unmarshal(envelope.Response, out)
}

// complete finishes the verification of token with the given result code
// (0 = success) through the emulator's control API.
func complete(endpoint, token string, errorCode int) error {
	body, _ := json.Marshal(map[string]any{"ErrorCode": errorCode})
	req, err := http.NewRequest(http.MethodPost, "http://"+endpoint+"/_emulator/sessions/"+token+"/complete", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if t := os.Getenv("EMULATOR_ADMIN_TOKEN"); t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("complete: %s: %s", resp.Status, bytes.TrimSpace(data))
	}
	return nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
