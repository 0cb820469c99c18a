//go:build unix && !linux

package proc

import (
	"errors"
	"syscall"
)

func launcherAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func programAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func makeRoot(*sandboxSpec) error { return errors.New("no namespaces here") }

var systemDirs []string
