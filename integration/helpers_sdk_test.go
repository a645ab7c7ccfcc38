package integration

import (
	"encoding/json"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

type clockFunc func() time.Time

func (f clockFunc) Now() time.Time { return f() }

var _ emulator.Clock = clockFunc(nil)

func callVersion(c *common.Client, version, action string, params map[string]any) (map[string]any, error) {
	return callService(c, "faceid", version, action, params)
}

// callService sends one action of a service (the SDK signs its name in
// the credential scope) and decodes Response.
func callService(c *common.Client, service, version, action string, params map[string]any) (map[string]any, error) {
	req := tchttp.NewCommonRequest(service, version, action)
	if err := req.SetActionParameters(params); err != nil {
		return nil, err
	}
	resp := tchttp.NewCommonResponse()
	if err := c.Send(req, resp); err != nil {
		return nil, err
	}
	var env struct {
		Response map[string]any `json:"Response"`
	}
	err := json.Unmarshal(resp.GetBody(), &env)
	return env.Response, err
}
