package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"kundportal/internal/apperr"
)

// LoadTrustedDocuments reads an allow-list of operations: a JSON object
// from the SHA-256 of each document (hex) to the document, as GraphQL
// Code Generator's persisted-documents.json has it. A key that is not the
// hash of its document is refused, so the file cannot smuggle one in.
func LoadTrustedDocuments(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trusted documents: %w", err)
	}
	var docs map[string]string
	if err := json.Unmarshal(b, &docs); err != nil {
		return nil, fmt.Errorf("trusted documents %s: not a JSON object of hash to document: %w", path, err)
	}
	for hash, doc := range docs {
		if sha(doc) != hash {
			return nil, fmt.Errorf("trusted documents %s: %s is not the SHA-256 of its document", path, hash)
		}
	}
	return docs, nil
}

func sha(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// trustedDocuments is a read-only cache of the allowed operations for
// gqlgen's persisted-query extension: a client may send an operation's
// hash alone, and registering a new one does nothing.
type trustedDocuments map[string]string

func (t trustedDocuments) Get(_ context.Context, hash string) (string, bool) {
	doc, ok := t[hash]
	return doc, ok
}

func (trustedDocuments) Add(context.Context, string, string) {}

// onlyTrusted refuses every operation that is not in the allow-list,
// whether sent as text or by hash; it runs after the persisted-query
// extension has turned a hash into its text.
type onlyTrusted struct{ docs trustedDocuments }

func (onlyTrusted) ExtensionName() string                   { return "OnlyTrustedDocuments" }
func (onlyTrusted) Validate(graphql.ExecutableSchema) error { return nil }

func (o onlyTrusted) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, ok := o.docs[sha(p.Query)]; ok {
		return nil
	}
	err := gqlerror.Errorf("this server runs only the operations of its allow-list; send a known document's hash")
	errcode.Set(err, string(apperr.CodeOperationNotTrusted))
	return err
}

func init() {
	errcode.RegisterErrorType(string(apperr.CodeOperationNotTrusted), errcode.KindProtocol)
}
