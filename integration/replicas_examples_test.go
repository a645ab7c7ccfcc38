package integration

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The examples/replicas files: two replicas on one engine behind a load
// balancer that routes on ready, in compose and in Kubernetes. The
// behaviour they set up is TestReplicasShareState's.

// storeHost checks an EMULATOR_STORE value and returns its host name.
func storeHost(t *testing.T, where string, v any) string {
	t.Helper()
	s, _ := v.(string)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Hostname() == "" {
		t.Fatalf("%s: EMULATOR_STORE %q is not a redis:// URL", where, s)
	}
	return u.Hostname()
}

func TestExamplesReplicasCompose(t *testing.T) {
	doc := examplesYAML(t, "replicas/docker-compose.yml")
	services, _ := examplesGet(t, doc, "services").(map[string]any)
	var stores []string
	for _, name := range []string{"faceid-1", "faceid-2"} {
		svc := examplesGet(t, doc, "services", name)
		if img := examplesGet(t, svc, "image"); img != examplesImage {
			t.Errorf("%s image %v, want %s", name, img, examplesImage)
		}
		store := examplesGet(t, svc, "environment", "EMULATOR_STORE")
		host := storeHost(t, name, store)
		if _, ok := services[host]; !ok {
			t.Errorf("%s: the store host %q is no service of the file", name, host)
		}
		stores = append(stores, store.(string))
		if cond := examplesGet(t, svc, "depends_on", host, "condition"); cond != "service_healthy" {
			t.Errorf("%s depends_on %s condition %v, want service_healthy", name, host, cond)
		}
	}
	if stores[0] != stores[1] {
		t.Errorf("the replicas use different stores: %v", stores)
	}
	lb := examplesGet(t, doc, "services", "lb")
	if ports := examplesStrings(examplesGet(t, lb, "ports")); !slices.Contains(ports, "8780:8780") {
		t.Errorf("lb ports %v lack 8780:8780", ports)
	}
	caddy, err := os.ReadFile(examplesPath(t, "replicas", "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"faceid-1:8780", "faceid-2:8780", "health_uri /_emulator/ready"} {
		if !strings.Contains(string(caddy), want) {
			t.Errorf("Caddyfile lacks %q", want)
		}
	}
}

func TestExamplesReplicasK8s(t *testing.T) {
	data, err := os.ReadFile(examplesPath(t, "replicas", "k8s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]map[string]any{} // "Kind/name"
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("k8s.yaml: %v", err)
		}
		byKind[examplesString(doc["kind"])+"/"+examplesString(examplesGet(t, doc, "metadata", "name"))] = doc
	}
	dep, ok := byKind["Deployment/faceid-emulator"]
	if !ok {
		t.Fatalf("no Deployment faceid-emulator in %v", byKind)
	}
	if n := examplesGet(t, dep, "spec", "replicas"); n != 2 {
		t.Errorf("replicas %v, want 2", n)
	}
	c := examplesGet(t, dep, "spec", "template", "spec", "containers", 0)
	if img := examplesGet(t, c, "image"); img != examplesImage {
		t.Errorf("image %v", img)
	}
	host := ""
	for _, e := range examplesGet(t, c, "env").([]any) {
		if examplesGet(t, e, "name") == "EMULATOR_STORE" {
			host = storeHost(t, "k8s.yaml", examplesGet(t, e, "value"))
		}
	}
	if _, ok := byKind["Service/"+host]; host == "" || !ok {
		t.Errorf("EMULATOR_STORE host %q is no Service of the file", host)
	}
	if _, ok := byKind["Deployment/"+host]; !ok {
		t.Errorf("no Deployment %q behind the store Service", host)
	}
	if p := examplesGet(t, c, "readinessProbe", "httpGet", "path"); p != "/_emulator/ready" {
		t.Errorf("readinessProbe path %v, want /_emulator/ready", p)
	}
	if p := examplesGet(t, c, "livenessProbe", "httpGet", "path"); p != "/_emulator/health" {
		t.Errorf("livenessProbe path %v, want /_emulator/health", p)
	}
	if _, ok := byKind["Service/faceid-emulator"]; !ok {
		t.Error("no Service faceid-emulator")
	}
}
