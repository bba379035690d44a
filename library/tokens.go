package library

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Token is an API token of latm serve. The secret itself is never stored:
// Hash is its hex SHA-256 (secrets are 256 random bits, so a plain hash
// is as strong as a slow one), Prefix its first characters for display.
type Token struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Hash      string    `json:"-"`
	Prefix    string    `json:"prefix"`
	Rate      int       `json:"rate"` // requests per minute; 0: the server's default
	CreatedAt time.Time `json:"created_at"`
	RevokedAt time.Time `json:"revoked_at,omitzero"` // zero while valid
}

// Revoked reports whether the token was revoked.
func (t *Token) Revoked() bool { return !t.RevokedAt.IsZero() }

// CreateToken stores t (Name, Hash, Prefix, Rate) and sets its ID and
// CreatedAt. Names are unique, revoked tokens included.
func (s *Store) CreateToken(ctx context.Context, t *Token) error {
	if strings.TrimSpace(t.Name) == "" || len(t.Name) > 64 {
		return fmt.Errorf("create token: the name must be 1 to 64 characters, not %q", t.Name)
	}
	if len(t.Hash) != 64 {
		return fmt.Errorf("create token %s: the hash must be 64 hex digits", t.Name)
	}
	if t.Rate < 0 {
		return fmt.Errorf("create token %s: rate %d must not be negative", t.Name, t.Rate)
	}
	t.CreatedAt = time.Now()
	err := s.db.QueryRowContext(ctx, `INSERT INTO api_tokens (name, hash, prefix, rate, created_at, revoked_at)
		VALUES (?, ?, ?, ?, ?, '') RETURNING id`, t.Name, t.Hash, t.Prefix, t.Rate, formatTime(t.CreatedAt)).Scan(&t.ID)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") && strings.Contains(err.Error(), "name") {
			return fmt.Errorf("create token %s: a token of that name exists (revoked ones too); choose another name", t.Name)
		}
		return fmt.Errorf("create token %s: %w", t.Name, err)
	}
	t.CreatedAt = parseTime(formatTime(t.CreatedAt))
	return nil
}

const tokenColumns = `id, name, hash, prefix, rate, created_at, revoked_at`

func scanToken(sc interface{ Scan(...any) error }) (*Token, error) {
	t := &Token{}
	var created, revoked string
	if err := sc.Scan(&t.ID, &t.Name, &t.Hash, &t.Prefix, &t.Rate, &created, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt = parseTime(created)
	if revoked != "" {
		t.RevokedAt = parseTime(revoked)
	}
	return t, nil
}

// Tokens lists every token, revoked ones too, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]*Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []*Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// TokenByHash returns the token whose secret hashes to hash, revoked or
// not, or an error wrapping ErrNotFound.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// RevokeToken revokes the token of that name; revoking it again is an
// error wrapping ErrNotFound, as is an unknown name.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	if err := s.execOne(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at = ''`,
		formatTime(time.Now()), name); err != nil {
		return fmt.Errorf("revoke token %s: no valid token of that name: %w", name, err)
	}
	return nil
}

// ActiveTokens counts the tokens not revoked.
func (s *Store) ActiveTokens(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM api_tokens WHERE revoked_at = ''`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count tokens: %w", err)
	}
	return n, nil
}
