package scenarios

import "github.com/faceid-emulator/faceid-emulator/internal/regfile"

// MaxFileBytes bounds a scenario file. The whole shipped library is under
// 32 KiB; a file a hundred times that is a mistake (a log, an image), not
// scenarios.
const MaxFileBytes = 4 << 20

// readScenarioFile reads a regular file of at most MaxFileBytes; a FIFO or
// a device is refused at once instead of blocking or never ending.
func readScenarioFile(path string) ([]byte, error) { return regfile.Read(path, MaxFileBytes) }
