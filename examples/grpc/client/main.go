// Command client is a gRPC client (google.golang.org/grpc) that runs both
// as a GOOS=wasip1 guest under dialtone, dialing through dispatchrun/net,
// and as a native program (package sockets picks the dialer). It checks the
// server's health, then calls each method of the Greeter service of
// greeter/greeter.proto and checks the answers.
//
//	GOOS=wasip1 GOARCH=wasm go build -o grpc-client.wasm ./client
//	npx dialtone run --allow-net=127.0.0.1:50051 grpc-client.wasm 127.0.0.1:50051
//
// It prints one line per call and exits 1 on the first failure.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"dialtone.example/grpc/greeter"
	"dialtone.example/grpc/sockets"
)

// maxMessage matches the server's limit.
const maxMessage = 16 << 20

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: grpc-client.wasm HOST:PORT")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// grpc-go dials with the standard library, which has no sockets on
	// wasip1; WithContextDialer hands it dispatchrun/net's dialer instead.
	conn, err := grpc.NewClient(os.Args[1],
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(sockets.Dial),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessage), grpc.MaxCallSendMsgSize(maxMessage)),
	)
	if err != nil {
		fail("client", err)
	}
	defer conn.Close()

	health, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: greeter.Greeter_ServiceDesc.ServiceName})
	if err != nil {
		fail("health", err)
	}
	fmt.Printf("health of %s: %s\n", greeter.Greeter_ServiceDesc.ServiceName, health.GetStatus())

	g := greeter.NewGreeterClient(conn)
	hello, err := g.SayHello(ctx, &greeter.HelloRequest{Name: "wasm"})
	if err != nil {
		fail("SayHello", err)
	}
	fmt.Printf("SayHello: %s\n", hello.GetMessage())

	// An error status travels back as one: code and message.
	_, err = g.SayHello(ctx, &greeter.HelloRequest{})
	if status.Code(err) != codes.InvalidArgument {
		fail("SayHello with no name", fmt.Errorf("want InvalidArgument, got %v", err))
	}
	fmt.Printf("SayHello with no name: %s %q\n", status.Code(err), status.Convert(err).Message())

	// 1 MiB in one message: many HTTP/2 frames and flow-control window updates.
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7 % 251)
	}
	digest, err := g.Digest(ctx, &greeter.DigestRequest{Data: data})
	if err != nil {
		fail("Digest", err)
	}
	want := sha256.Sum256(data)
	if digest.GetSize() != int64(len(data)) || !bytes.Equal(digest.GetSha256(), want[:]) {
		fail("Digest", fmt.Errorf("server saw %d bytes with sha256 %x; sent %d bytes with sha256 %x", digest.GetSize(), digest.GetSha256(), len(data), want))
	}
	fmt.Printf("Digest: %d bytes sha256:%x\n", digest.GetSize(), digest.GetSha256())

	chat(ctx, g, []string{"one", "two", "three"})
	fmt.Println("done")
}

// chat sends each text on one Chat stream and reads the server's answer to
// it before sending the next, then closes its side and waits for the end.
func chat(ctx context.Context, g greeter.GreeterClient, texts []string) {
	stream, err := g.Chat(ctx)
	if err != nil {
		fail("Chat", err)
	}
	for i, text := range texts {
		seq := int32(i + 1)
		if err := stream.Send(&greeter.ChatMessage{Seq: seq, Text: text}); err != nil {
			fail("Chat send", err)
		}
		m, err := stream.Recv()
		if err != nil {
			fail("Chat receive", err)
		}
		if m.GetSeq() != seq {
			fail("Chat receive", fmt.Errorf("answer to message %d has seq %d", seq, m.GetSeq()))
		}
		fmt.Printf("Chat: %d %q -> %q\n", seq, text, m.GetText())
	}
	if err := stream.CloseSend(); err != nil {
		fail("Chat close", err)
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		fail("Chat end", fmt.Errorf("want the end of the stream, got %v", err))
	}
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}
