package emulatortest_test

import (
	"fmt"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/faceid-emulator/faceid-emulator/emulator/emulatortest"
)

// An API-only action passes by default; a shipped scenario makes the next
// calls fail with one of its documented codes, without a restart.
func ExampleEmulator_UseScenario() {
	e, err := emulatortest.Start()
	if err != nil {
		panic(err)
	}
	defer e.Close()
	client := common.NewCommonClient(e.SDKCredential(), "ap-singapore", e.ClientProfile())
	check := func() {
		r, err := send(client, "BankCardVerification", map[string]any{"IdCard": "11204416541220243X", "Name": "Wei Xiaobao", "BankCard": "6225880000000000"})
		if err != nil {
			panic(err)
		}
		fmt.Println(r["Result"], r["Description"])
	}
	check()
	e.UseScenario("bankcardverification-verify-minus-13") // the card has expired
	check()
	e.UseScenario("")
	check()
	// Output:
	// 0 Authentication passed
	// -13 The card has expired
	// 0 Authentication passed
}
