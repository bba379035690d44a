package worker

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerConfig is an in-process NATS server with JetStream on local disk.
type ServerConfig struct {
	Name string // server name, unique in a cluster; "" for one server
	Dir  string // JetStream store directory; required
	Host string // listen host; "" means 127.0.0.1
	Port int    // client port; 0 picks a free one

	// Cluster, when set, joins a JetStream cluster of that name, listening
	// for routes on ClusterPort (0: a free one) and dialling Routes
	// (nats-route://host:port URLs of other nodes).
	Cluster     string
	ClusterPort int
	Routes      []string
}

// StartServer starts an embedded NATS server and waits until it accepts
// clients. Shutdown stops it.
func StartServer(c ServerConfig) (*server.Server, error) {
	if c.Dir == "" {
		return nil, errors.New("nats server: a store directory is required")
	}
	if c.Host == "" {
		c.Host = "127.0.0.1"
	}
	o := &server.Options{
		ServerName: c.Name, Host: c.Host, Port: c.Port,
		JetStream: true, StoreDir: c.Dir,
		NoSigs: true, NoLog: true,
	}
	if o.Port == 0 {
		o.Port = server.RANDOM_PORT
	}
	if c.Cluster != "" {
		o.Cluster = server.ClusterOpts{Name: c.Cluster, Host: c.Host, Port: c.ClusterPort}
		if o.Cluster.Port == 0 {
			o.Cluster.Port = server.RANDOM_PORT
		}
		for _, r := range c.Routes {
			o.Routes = append(o.Routes, server.RoutesFromStr(r)...)
		}
	}
	s, err := server.NewServer(o)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("nats server on %s:%d did not start in 10 s", c.Host, c.Port)
	}
	return s, nil
}

// FreePorts returns n loopback TCP ports free at the time of the call, for
// the route ports of a cluster whose nodes must know each other up front.
func FreePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// RouteURL is the route URL of a cluster node listening on port.
func RouteURL(host string, port int) string {
	return "nats-route://" + net.JoinHostPort(host, strconv.Itoa(port))
}
