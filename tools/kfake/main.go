// A single-broker Kafka-protocol server for floe's tests: franz-go's kfake (an
// independent implementation of the Kafka wire protocol, not a build of Apache
// Kafka) on 127.0.0.1. Built and started by scripts/services.d/kfake.sh.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

// configs collects repeated -c key=value flags.
type configs map[string]string

func (c configs) String() string { return fmt.Sprint(map[string]string(c)) }

func (c configs) Set(s string) error {
	key, value, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("broker config %q: expected key=value", s)
	}
	c[key] = value
	return nil
}

func logLevel(name string) (kfake.LogLevel, error) {
	switch strings.ToLower(name) {
	case "none":
		return kfake.LogLevelNone, nil
	case "error":
		return kfake.LogLevelError, nil
	case "warn":
		return kfake.LogLevelWarn, nil
	case "info":
		return kfake.LogLevelInfo, nil
	case "debug":
		return kfake.LogLevelDebug, nil
	}
	return kfake.LogLevelNone, fmt.Errorf("log level %q: expected none, error, warn, info or debug", name)
}

func main() {
	port := flag.Int("port", 0, "port to listen on (127.0.0.1 only)")
	level := flag.String("log-level", "warn", "none, error, warn, info or debug")
	dataDir := flag.String("data-dir", "", "keep the cluster's state in this folder (default: memory only)")
	brokerConfigs := configs{}
	flag.Var(brokerConfigs, "c", "broker config key=value (repeatable)")
	flag.Parse()

	lvl, err := logLevel(*level)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kfake:", err)
		os.Exit(2)
	}
	if *port <= 0 {
		fmt.Fprintln(os.Stderr, "kfake: -port is required")
		os.Exit(2)
	}
	opts := []kfake.Opt{
		kfake.Ports(*port),
		kfake.DefaultNumPartitions(1),
		kfake.WithLogger(kfake.BasicLogger(os.Stderr, lvl)),
	}
	if *dataDir != "" {
		opts = append(opts, kfake.DataDir(*dataDir))
	}
	if len(brokerConfigs) > 0 {
		opts = append(opts, kfake.BrokerConfigs(brokerConfigs))
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kfake: start failed:", err)
		os.Exit(1)
	}
	// The service script waits for this line.
	fmt.Printf("kfake listening on %s\n", strings.Join(cluster.ListenAddrs(), ","))

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	<-signals
	cluster.Close()
	fmt.Println("kfake stopped")
}
