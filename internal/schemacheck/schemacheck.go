// Package schemacheck finds the changes between two versions of the API's
// schema that would break a client written against the older one, so that
// CI refuses them (docs/schema-evolution.md). A field, argument, enum
// value or type may only go away if the older schema marked it
// @deprecated; everything else that can break a query, a variable or the
// handling of a response is reported.
package schemacheck

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// Load parses the schema made of the files.
func Load(files ...string) (*ast.Schema, error) {
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		sources = append(sources, &ast.Source{Name: filepath.Base(f), Input: string(b)})
	}
	s, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Breaking lists the changes from old to new that break clients of old, in
// a stable order.
func Breaking(old, new *ast.Schema) []string {
	var out []string
	report := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for name, ot := range old.Types {
		if strings.HasPrefix(name, "__") || ot.BuiltIn {
			continue
		}
		nt, ok := new.Types[name]
		if !ok {
			report("type %s was removed", name)
			continue
		}
		if nt.Kind != ot.Kind {
			report("type %s changed from %s to %s", name, ot.Kind, nt.Kind)
			continue
		}
		switch ot.Kind {
		case ast.Object, ast.Interface:
			for _, of := range ot.Fields {
				if strings.HasPrefix(of.Name, "__") {
					continue
				}
				nf := nt.Fields.ForName(of.Name)
				if nf == nil {
					if !deprecated(of.Directives) {
						report("field %s.%s was removed without being deprecated first", name, of.Name)
					}
					continue
				}
				if !outputCompatible(of.Type, nf.Type) {
					report("field %s.%s changed type from %s to %s", name, of.Name, of.Type, nf.Type)
				}
				arguments(report, name+"."+of.Name, of.Arguments, nf.Arguments)
			}
			for _, i := range ot.Interfaces {
				if !slices.Contains(nt.Interfaces, i) {
					report("type %s no longer implements %s", name, i)
				}
			}
		case ast.InputObject:
			for _, of := range ot.Fields {
				nf := nt.Fields.ForName(of.Name)
				if nf == nil {
					if !deprecated(of.Directives) {
						report("input field %s.%s was removed without being deprecated first", name, of.Name)
					}
					continue
				}
				if !inputCompatible(of.Type, nf.Type) {
					report("input field %s.%s changed type from %s to %s", name, of.Name, of.Type, nf.Type)
				}
			}
			for _, nf := range nt.Fields {
				if ot.Fields.ForName(nf.Name) == nil && nf.Type.NonNull && nf.DefaultValue == nil {
					report("input %s has a new required field %s", name, nf.Name)
				}
			}
		case ast.Enum:
			for _, ov := range ot.EnumValues {
				if nt.EnumValues.ForName(ov.Name) == nil && !deprecated(ov.Directives) {
					report("enum value %s.%s was removed without being deprecated first", name, ov.Name)
				}
			}
		case ast.Union:
			for _, m := range ot.Types {
				if !slices.Contains(nt.Types, m) {
					report("union %s no longer includes %s", name, m)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// arguments reports removed arguments, new required ones and changed
// types.
func arguments(report func(string, ...any), field string, old, new ast.ArgumentDefinitionList) {
	for _, oa := range old {
		na := new.ForName(oa.Name)
		if na == nil {
			if !deprecated(oa.Directives) {
				report("argument %s(%s) was removed without being deprecated first", field, oa.Name)
			}
			continue
		}
		if !inputCompatible(oa.Type, na.Type) {
			report("argument %s(%s) changed type from %s to %s", field, oa.Name, oa.Type, na.Type)
		}
	}
	for _, na := range new {
		if old.ForName(na.Name) == nil && na.Type.NonNull && na.DefaultValue == nil {
			report("field %s has a new required argument %s", field, na.Name)
		}
	}
}

// outputCompatible: a client reading old keeps working if the new type is
// the same or stricter (nullable → non-null).
func outputCompatible(old, new *ast.Type) bool {
	if old.NonNull && !new.NonNull {
		return false
	}
	if (old.Elem == nil) != (new.Elem == nil) {
		return false
	}
	if old.Elem != nil {
		return outputCompatible(old.Elem, new.Elem)
	}
	return old.NamedType == new.NamedType
}

// inputCompatible: a client sending old keeps working if the new type is
// the same or looser (non-null → nullable).
func inputCompatible(old, new *ast.Type) bool {
	if !old.NonNull && new.NonNull {
		return false
	}
	if (old.Elem == nil) != (new.Elem == nil) {
		return false
	}
	if old.Elem != nil {
		return inputCompatible(old.Elem, new.Elem)
	}
	return old.NamedType == new.NamedType
}

func deprecated(d ast.DirectiveList) bool { return d.ForName("deprecated") != nil }
