// Command server is a gRPC server (google.golang.org/grpc) that runs both
// as a GOOS=wasip1 guest under dialtone, listening through dispatchrun/net,
// and as a native program (package sockets picks the listener). It serves
// the Greeter service of greeter/greeter.proto and gRPC's standard health
// service.
//
//	GOOS=wasip1 GOARCH=wasm go build -o grpc-server.wasm ./server
//	npx dialtone run --allow-listen=127.0.0.1 grpc-server.wasm 127.0.0.1:50051
//
// It prints "listening on ADDR:PORT" once ready (with port 0, the port
// chosen) and one line per call.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"dialtone.example/grpc/greeter"
	"dialtone.example/grpc/sockets"
)

// maxMessage lets Digest take more than gRPC's default 4 MiB.
const maxMessage = 16 << 20

func main() {
	addr := "127.0.0.1:50051"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	l, err := sockets.Listen(addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	s := grpc.NewServer(grpc.MaxRecvMsgSize(maxMessage))
	greeter.RegisterGreeterServer(s, &greeterServer{})
	h := health.NewServer()
	h.SetServingStatus(greeter.Greeter_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s, h)

	fmt.Printf("listening on %s\n", l.Addr())
	if err := s.Serve(l); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

// greeterServer implements greeter.GreeterServer.
type greeterServer struct {
	greeter.UnimplementedGreeterServer
}

func (*greeterServer) SayHello(ctx context.Context, req *greeter.HelloRequest) (*greeter.HelloReply, error) {
	fmt.Printf("SayHello %q from %s\n", req.GetName(), caller(ctx))
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "name is empty")
	}
	return &greeter.HelloReply{Message: "hello, " + req.GetName()}, nil
}

func (*greeterServer) Digest(ctx context.Context, req *greeter.DigestRequest) (*greeter.DigestReply, error) {
	sum := sha256.Sum256(req.GetData())
	fmt.Printf("Digest of %d bytes from %s\n", len(req.GetData()), caller(ctx))
	return &greeter.DigestReply{Size: int64(len(req.GetData())), Sha256: sum[:]}, nil
}

func (*greeterServer) Chat(stream grpc.BidiStreamingServer[greeter.ChatMessage, greeter.ChatMessage]) error {
	n := 0
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			fmt.Printf("Chat of %d messages from %s\n", n, caller(stream.Context()))
			return nil
		}
		if err != nil {
			return err
		}
		n++
		if err := stream.Send(&greeter.ChatMessage{Seq: m.GetSeq(), Text: strings.ToUpper(m.GetText())}); err != nil {
			return err
		}
	}
}

// caller is the address of the client that made a call.
func caller(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok {
		return p.Addr.String()
	}
	return "unknown peer"
}
