// Package types holds the enumerations that more than one entity shares, so
// that the API has one GraphQL enum for each of them, and the structured
// values stored in JSON columns. It imports nothing generated, so that the
// generated ent package can use it without importing ent/schema.
package types

import (
	"fmt"
	"io"
	"slices"
	"strconv"

	"kundportal/internal/money"
)

// CompanyForm is an organisation's legal form (bolagsform).
type CompanyForm string

// The company forms the portal distinguishes.
const (
	CompanyFormRegion               CompanyForm = "REGION"
	CompanyFormMunicipality         CompanyForm = "MUNICIPALITY"
	CompanyFormStateAgency          CompanyForm = "STATE_AGENCY"
	CompanyFormLimitedCompany       CompanyForm = "LIMITED_COMPANY"
	CompanyFormSoleProprietorship   CompanyForm = "SOLE_PROPRIETORSHIP"
	CompanyFormPartnership          CompanyForm = "PARTNERSHIP"
	CompanyFormEconomicAssociation  CompanyForm = "ECONOMIC_ASSOCIATION"
	CompanyFormNonProfitAssociation CompanyForm = "NON_PROFIT_ASSOCIATION"
	CompanyFormFoundation           CompanyForm = "FOUNDATION"
	CompanyFormOther                CompanyForm = "OTHER"
)

// Values lists the company forms; ent uses it for the column's enum.
func (CompanyForm) Values() []string {
	return []string{"REGION", "MUNICIPALITY", "STATE_AGENCY", "LIMITED_COMPANY", "SOLE_PROPRIETORSHIP",
		"PARTNERSHIP", "ECONOMIC_ASSOCIATION", "NON_PROFIT_ASSOCIATION", "FOUNDATION", "OTHER"}
}

// MarshalGQL implements graphql.Marshaler.
func (c CompanyForm) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(c))) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (c *CompanyForm) UnmarshalGQL(v any) error { return unmarshalEnum(v, c, CompanyForm.Values) }

// RoleKind is a portal role a person holds within one customer (D-O1).
type RoleKind string

// The portal roles.
const (
	RoleAdministrator    RoleKind = "ADMINISTRATOR"
	RoleOrderer          RoleKind = "ORDERER"
	RoleAttestant        RoleKind = "ATTESTANT"
	RoleSignatory        RoleKind = "SIGNATORY"
	RoleAgreementContact RoleKind = "AGREEMENT_CONTACT"
)

// Values lists the roles; ent uses it for the column's enum.
func (RoleKind) Values() []string {
	return []string{"ADMINISTRATOR", "ORDERER", "ATTESTANT", "SIGNATORY", "AGREEMENT_CONTACT"}
}

// MarshalGQL implements graphql.Marshaler.
func (r RoleKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(r))) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (r *RoleKind) UnmarshalGQL(v any) error { return unmarshalEnum(v, r, RoleKind.Values) }

func unmarshalEnum[T ~string](v any, dst *T, values func(T) []string) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum must be a string, got %T", v)
	}
	if !slices.Contains(values(*dst), s) {
		return fmt.Errorf("%q is not one of %v", s, values(*dst))
	}
	*dst = T(s)
	return nil
}

// PriceUnit is what a price is charged for (D-S2, D-S3).
type PriceUnit string

// The price units.
const (
	PriceUnitStartupFee          PriceUnit = "STARTUP_FEE"
	PriceUnitOneTime             PriceUnit = "ONE_TIME"
	PriceUnitPerCareUnitPerMonth PriceUnit = "PER_CARE_UNIT_PER_MONTH"
	PriceUnitPerCareUnitPerYear  PriceUnit = "PER_CARE_UNIT_PER_YEAR"
	PriceUnitPerCardPerYear      PriceUnit = "PER_CARD_PER_YEAR"
	PriceUnitPerContractPerYear  PriceUnit = "PER_CONTRACT_PER_YEAR"
	PriceUnitPerMonth            PriceUnit = "PER_MONTH"
	PriceUnitPerYear             PriceUnit = "PER_YEAR"
)

// Monthly reports whether the price is charged per month.
func (u PriceUnit) Monthly() bool {
	return u == PriceUnitPerCareUnitPerMonth || u == PriceUnitPerMonth
}

// Values lists the price units; ent uses it for the column's enum.
func (PriceUnit) Values() []string {
	return []string{"STARTUP_FEE", "ONE_TIME", "PER_CARE_UNIT_PER_MONTH", "PER_CARE_UNIT_PER_YEAR",
		"PER_CARD_PER_YEAR", "PER_CONTRACT_PER_YEAR", "PER_MONTH", "PER_YEAR"}
}

// MarshalGQL implements graphql.Marshaler.
func (u PriceUnit) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(u))) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (u *PriceUnit) UnmarshalGQL(v any) error { return unmarshalEnum(v, u, PriceUnit.Values) }

// ApplicationContact is one person named in a customer application.
type ApplicationContact struct {
	Role           RoleKind `json:"role"`
	GivenName      string   `json:"givenName"`
	FamilyName     string   `json:"familyName"`
	Email          string   `json:"email"`
	Phone          *string  `json:"phone,omitempty"`
	PersonalNumber *string  `json:"personalNumber,omitempty"`
	HsaID          *string  `json:"hsaId,omitempty"`
}

// PriceLine is one line of an order's price snapshot (D-S2, D-S4).
type PriceLine struct {
	Unit      PriceUnit    `json:"unit"`
	Quantity  int          `json:"quantity"`
	UnitPrice money.Amount `json:"unitPrice"`
	Amount    money.Amount `json:"amount"`
}
