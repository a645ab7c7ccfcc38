package emulator_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// sdkCall sends one faceid action with the Go SDK's CommonClient and
// decodes Response.
func sdkCall(c *common.Client, action string, params map[string]any) (map[string]any, error) {
	req := tchttp.NewCommonRequest("faceid", "2018-03-01", action)
	if err := req.SetActionParameters(params); err != nil {
		return nil, err
	}
	resp := tchttp.NewCommonResponse()
	if err := c.Send(req, resp); err != nil {
		return nil, err
	}
	var env struct{ Response map[string]any }
	err := json.Unmarshal(resp.GetBody(), &env)
	return env.Response, err
}

// The emulator in-process behind httptest, driven by the official Go SDK:
// Apply, complete the session as the user would, then Get the result.
func Example() {
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	srv.MarkServing()

	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = strings.TrimPrefix(hs.URL, "http://")
	cpf.HttpProfile.Scheme = "http"
	cred := emulator.DefaultCredential()
	client := common.NewCommonClient(common.NewCredential(cred.SecretID, cred.SecretKey), "ap-singapore", cpf)

	applied, err := sdkCall(client, "ApplyWebVerificationBizTokenIntl", map[string]any{
		"RedirectURL": "https://merchant.example/kyc/done",
		"Extra":       "order-42",
	})
	if err != nil {
		panic(err)
	}
	token := applied["BizToken"].(string)

	// The user passes liveness and the face comparison.
	sess, err := srv.Complete(token, 0, emulator.WithSimilarity(93.5))
	if err != nil {
		panic(err)
	}
	fmt.Println("state:", sess.State)

	result, err := sdkCall(client, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	if err != nil {
		panic(err)
	}
	detail := result["VerificationDetailList"].([]any)[0].(map[string]any)
	fmt.Println("ErrorCode:", result["ErrorCode"])
	fmt.Println("Similarity:", detail["Similarity"])
	fmt.Println("Extra:", result["Extra"])
	// Output:
	// state: completed
	// ErrorCode: 0
	// Similarity: 93.5
	// Extra: order-42
}

// Moving the emulator's clock expires tokens without waiting; request
// signatures keep being checked against real time.
func ExampleServer_Advance() {
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()

	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = strings.TrimPrefix(hs.URL, "http://")
	cpf.HttpProfile.Scheme = "http"
	cred := emulator.DefaultCredential()
	client := common.NewCommonClient(common.NewCredential(cred.SecretID, cred.SecretKey), "ap-singapore", cpf)

	applied, err := sdkCall(client, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://merchant.example/"})
	if err != nil {
		panic(err)
	}
	token := applied["BizToken"].(string)

	srv.Advance(11 * time.Minute) // the VerificationURL lives 10 minutes
	result, err := sdkCall(client, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	if err != nil {
		panic(err)
	}
	fmt.Println("ErrorCode:", result["ErrorCode"])

	srv.Advance(73 * time.Hour) // results can be fetched for 72 hours
	_, err = sdkCall(client, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	fmt.Println(strings.Contains(err.Error(), "InvalidParameterValue.BizTokenExpired"))
	// Output:
	// ErrorCode: 15
	// true
}

// The request journal tells why a signature was refused, without keys.
func ExampleServer_Requests() {
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()

	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = strings.TrimPrefix(hs.URL, "http://")
	cpf.HttpProfile.Scheme = "http"
	wrong := common.NewCredential(emulator.DefaultSecretID, "not-the-key")
	client := common.NewCommonClient(wrong, "ap-singapore", cpf)
	_, _ = sdkCall(client, "GetWebVerificationResultIntl", map[string]any{"BizToken": "X"})

	for _, r := range srv.Requests() {
		fmt.Println(r.Action, r.Signature, r.ErrorCode)
		fmt.Println(strings.Contains(r.Diagnostics.CanonicalRequest, "content-type:application/json"))
	}
	// Output:
	// GetWebVerificationResultIntl failed AuthFailure.SignatureFailure
	// true
}
