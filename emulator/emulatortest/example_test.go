package emulatortest_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/emulator/emulatortest"
)

func send(c *common.Client, action string, params map[string]any) (map[string]any, error) {
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

// In a test, write e := emulatortest.New(t); Start and Close are for code
// without a *testing.T, like this example or TestMain.
func Example() {
	e, err := emulatortest.Start()
	if err != nil {
		panic(err)
	}
	defer e.Close()

	client := common.NewCommonClient(e.SDKCredential(), "ap-singapore", e.ClientProfile())
	applied, err := send(client, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://merchant.example/done"})
	if err != nil {
		panic(err)
	}
	token := applied["BizToken"].(string)
	fmt.Println(applied["VerificationURL"] == e.URL()+"/reflect/?token="+token)

	e.Complete(token, 1002) // the user failed liveness
	result, err := send(client, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	if err != nil {
		panic(err)
	}
	fmt.Println("ErrorCode:", result["ErrorCode"])
	// Output:
	// true
	// ErrorCode: 1002
}

// Transport serves the SDK in memory: the client keeps Tencent Cloud's real
// endpoint and never opens a socket.
func ExampleEmulator_Transport() {
	e, err := emulatortest.Start()
	if err != nil {
		panic(err)
	}
	defer e.Close()

	cpf := profile.NewClientProfile() // default endpoint faceid.tencentcloudapi.com, https
	client := common.NewCommonClient(e.SDKCredential(), "ap-singapore", cpf)
	client.WithHttpTransport(e.Transport())

	applied, err := send(client, "ApplyWebVerificationBizTokenIntl", map[string]any{"RedirectURL": "https://merchant.example/done"})
	if err != nil {
		panic(err)
	}
	token := applied["BizToken"].(string)
	e.SetOutcome(token, 0, emulator.WithSimilarity(88))
	e.Advance(11 * time.Minute) // nobody opened the page in time

	result, err := send(client, "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	if err != nil {
		panic(err)
	}
	fmt.Println("ErrorCode:", result["ErrorCode"])
	fmt.Println("journal:", len(e.Requests()), "requests")
	// Output:
	// ErrorCode: 15
	// journal: 2 requests
}
