package emulatortest

// UseScenario makes a loaded scenario the default of the emulator's
// credential (PUT /_emulator/secrets/{SecretId}/scenario): calls that no
// RuleId or match rule selects play it, so an API-only action answers its
// scripted failure until UseScenario("") restores the default pass.
func (e *Emulator) UseScenario(name string) {
	e.helper()
	e.check("UseScenario "+name, e.srv.SetSecretScenario(e.cred.SecretID, name))
}
