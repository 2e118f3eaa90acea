// SPDX-License-Identifier: GPL-2.0
/*
 * Feature discovery from QEMU's own answers.  query-qmp-schema names
 * types by numbers that change between builds, so types are only ever
 * reached by following references from a command's name.
 */
#include "qmp/qmp_features.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_VARIANT_DEPTH 4		/* unions nest far less in practice */

struct qmp_features {
	json_t *caps;			/* sets: name -> true */
	json_t *params;
	json_t *cmds;
	json_t *multifd_compression;	/* values QEMU was built with */
};


static int set_add(json_t *set, const char *name)
{
	return json_object_set_new(set, name, json_true()) ? -ENOMEM : 0;
}

static int add_capability_list(json_t *set, const json_t *caps, char *err,
			       size_t errlen)
{
	const json_t *e, *name;
	size_t i;
	int r;

	if (!json_is_array(caps))
		return qmp_proto_error(err, errlen,
			     "query-migrate-capabilities: reply is %s, not an array",
			     qmp_json_type(caps));
	json_array_foreach(caps, i, e) {
		name = json_object_get(e, "capability");
		if (!json_is_string(name))
			return qmp_proto_error(err, errlen,
				     "query-migrate-capabilities: entry %zu has no string \"capability\"",
				     i);
		r = set_add(set, json_string_value(name));
		if (r)
			return r;
	}
	return 0;
}

static int add_parameter_keys(json_t *set, const json_t *params, char *err,
			      size_t errlen)
{
	const char *key;
	json_t *v;
	int r;

	if (!json_is_object(params))
		return qmp_proto_error(err, errlen,
			     "query-migrate-parameters: reply is %s, not an object",
			     qmp_json_type(params));
	json_object_foreach((json_t *)params, key, v) {
		r = set_add(set, key);
		if (r)
			return r;
	}
	return 0;
}

/* --- query-qmp-schema ------------------------------------------------- */

/* name -> SchemaInfo; commands go to cmds on the way. */
static int index_schema(const json_t *schema, json_t *index, json_t *cmds,
			char *err, size_t errlen)
{
	const json_t *e, *name, *meta;
	size_t i;
	int r;

	if (!json_is_array(schema))
		return qmp_proto_error(err, errlen, "query-qmp-schema: reply is %s, not an array",
			     qmp_json_type(schema));
	json_array_foreach(schema, i, e) {
		name = json_object_get(e, "name");
		meta = json_object_get(e, "meta-type");
		if (!json_is_string(name) || !json_is_string(meta))
			return qmp_proto_error(err, errlen,
				     "query-qmp-schema: entry %zu lacks a string \"name\" or \"meta-type\"",
				     i);
		if (json_object_get(index, json_string_value(name)))
			return qmp_proto_error(err, errlen,
				     "query-qmp-schema: \"%.64s\" defined twice",
				     json_string_value(name));
		if (json_object_set(index, json_string_value(name), (json_t *)e))
			return -ENOMEM;
		if (!strcmp(json_string_value(meta), "command")) {
			r = set_add(cmds, json_string_value(name));
			if (r)
				return r;
		}
	}
	return 0;
}

/*
 * The type that entry's field key refers to.  1 with *type set; 0 when
 * the field is absent or the type is not of meta-type meta (another QEMU
 * shaped it differently: nothing to learn there); -EPROTO when the
 * reference is not a string or names no type.
 */
static int follow(const json_t *index, const json_t *entry, const char *key,
		  const char *meta, const json_t **type, char *err,
		  size_t errlen)
{
	const json_t *ref = json_object_get(entry, key), *t;

	if (!ref)
		return 0;
	if (!json_is_string(ref))
		return qmp_proto_error(err, errlen, "query-qmp-schema: \"%s\" is %s, not a type name",
			     key, qmp_json_type(ref));
	t = json_object_get(index, json_string_value(ref));
	if (!t)
		return qmp_proto_error(err, errlen, "query-qmp-schema: unknown type \"%.64s\"",
			     json_string_value(ref));
	if (strcmp(json_string_value(json_object_get(t, "meta-type")), meta))
		return 0;
	*type = t;
	return 1;
}

/* *member: the member called name of an object type, or NULL. */
static int find_member(const json_t *obj, const char *name,
		       const json_t **member, char *err, size_t errlen)
{
	const json_t *members = json_object_get(obj, "members"), *m, *n;
	size_t i;

	*member = NULL;
	if (!json_is_array(members))
		return qmp_proto_error(err, errlen, "query-qmp-schema: object type without \"members\" array");
	json_array_foreach(members, i, m) {
		n = json_object_get(m, "name");
		if (!json_is_string(n))
			return qmp_proto_error(err, errlen, "query-qmp-schema: member without a string \"name\"");
		if (!strcmp(json_string_value(n), name)) {
			*member = m;
			break;
		}
	}
	return 0;
}

/*
 * Adds the member names of an object type, variants included.  visited
 * holds the types already expanded, so that a schema whose variants
 * refer back to their own type costs one visit per type, not k^depth.
 */
static int add_members(const json_t *index, const json_t *obj, json_t *set,
		       json_t *visited, int depth, char *err, size_t errlen)
{
	const json_t *members, *variants, *m, *n, *vt;
	const char *vname;
	size_t i;
	int r;

	members = json_object_get(obj, "members");
	if (!json_is_array(members))
		return qmp_proto_error(err, errlen, "query-qmp-schema: object type without \"members\" array");
	json_array_foreach(members, i, m) {
		n = json_object_get(m, "name");
		if (!json_is_string(n))
			return qmp_proto_error(err, errlen, "query-qmp-schema: member without a string \"name\"");
		r = set_add(set, json_string_value(n));
		if (r)
			return r;
	}
	variants = json_object_get(obj, "variants");
	if (!variants)
		return 0;
	if (!json_is_array(variants))
		return qmp_proto_error(err, errlen, "query-qmp-schema: \"variants\" is not an array");
	json_array_foreach(variants, i, m) {
		r = follow(index, m, "type", "object", &vt, err, errlen);
		if (r < 0)
			return r;
		if (r == 0 || depth >= SCHEMA_VARIANT_DEPTH)
			continue;
		vname = json_string_value(json_object_get(vt, "name"));
		if (json_object_get(visited, vname))
			continue;
		r = set_add(visited, vname);
		if (!r)
			r = add_members(index, vt, set, visited, depth + 1, err,
					errlen);
		if (r)
			return r;
	}
	return 0;
}

/* Members of the object type that command's field key (arg/ret) names. */
static int add_command_type(const json_t *index, const char *command,
			    const char *key, json_t *set, char *err,
			    size_t errlen)
{
	const json_t *cmd = json_object_get(index, command), *type;
	json_t *visited;
	int r;

	if (!cmd)
		return 0;
	r = follow(index, cmd, key, "object", &type, err, errlen);
	if (r <= 0)
		return r;
	visited = json_object();
	if (!visited)
		return -ENOMEM;
	r = set_add(visited, json_string_value(json_object_get(type, "name")));
	if (!r)
		r = add_members(index, type, set, visited, 0, err, errlen);
	json_decref(visited);
	return r;
}

static int add_enum_values(const json_t *en, json_t *set, char *err,
			   size_t errlen)
{
	const json_t *values = json_object_get(en, "values"), *v;
	size_t i;
	int r;

	if (!json_is_array(values))
		return qmp_proto_error(err, errlen, "query-qmp-schema: enum without \"values\" array");
	json_array_foreach(values, i, v) {
		if (!json_is_string(v))
			return qmp_proto_error(err, errlen, "query-qmp-schema: enum value is %s",
				     qmp_json_type(v));
		r = set_add(set, json_string_value(v));
		if (r)
			return r;
	}
	return 0;
}

/* The enum type of object obj's member called name: 1, 0 (none), -EPROTO. */
static int member_enum(const json_t *index, const json_t *obj,
		       const char *name, const json_t **en, char *err,
		       size_t errlen)
{
	const json_t *m;
	int r = find_member(obj, name, &m, err, errlen);

	if (r || !m)
		return r;
	return follow(index, m, "type", "enum", en, err, errlen);
}

/* The argument type of a command, if the schema has the command. */
static int command_args(const json_t *index, const char *command,
			const json_t **args, char *err, size_t errlen)
{
	const json_t *cmd = json_object_get(index, command);

	if (!cmd)
		return 0;
	return follow(index, cmd, "arg-type", "object", args, err, errlen);
}

/*
 * The values of the capability enum: migrate-set-capabilities' argument
 * "capabilities" is an array of objects whose "capability" is that enum.
 */
static int add_capability_enum(const json_t *index, json_t *set, char *err,
			       size_t errlen)
{
	const json_t *args, *m, *arr, *elem, *en;
	int r;

	r = command_args(index, "migrate-set-capabilities", &args, err, errlen);
	if (r <= 0)
		return r;
	r = find_member(args, "capabilities", &m, err, errlen);
	if (r || !m)
		return r;
	r = follow(index, m, "type", "array", &arr, err, errlen);
	if (r <= 0)
		return r;
	r = follow(index, arr, "element-type", "object", &elem, err, errlen);
	if (r <= 0)
		return r;
	r = member_enum(index, elem, "capability", &en, err, errlen);
	if (r <= 0)
		return r;
	return add_enum_values(en, set, err, errlen);
}

/*
 * The multifd compression methods: QEMU lists zlib and zstd in the enum
 * only when built with them, so the schema says what this binary can do.
 */
static int add_multifd_compression_enum(const json_t *index, json_t *set,
					char *err, size_t errlen)
{
	const json_t *args, *en;
	int r;

	r = command_args(index, "migrate-set-parameters", &args, err, errlen);
	if (r <= 0)
		return r;
	r = member_enum(index, args, "multifd-compression", &en, err, errlen);
	if (r <= 0)
		return r;
	return add_enum_values(en, set, err, errlen);
}

static int add_schema(struct qmp_features *f, const json_t *schema, char *err,
		      size_t errlen)
{
	json_t *index;
	int r;

	index = json_object();
	if (!index)
		return -ENOMEM;
	r = index_schema(schema, index, f->cmds, err, errlen);
	if (r)
		goto out;
	r = add_command_type(index, "migrate-set-parameters", "arg-type",
			     f->params, err, errlen);
	if (r)
		goto out;
	r = add_command_type(index, "query-migrate-parameters", "ret-type",
			     f->params, err, errlen);
	if (r)
		goto out;
	r = add_capability_enum(index, f->caps, err, errlen);
	if (r)
		goto out;
	r = add_multifd_compression_enum(index, f->multifd_compression, err,
					 errlen);
out:
	json_decref(index);
	return r;
}

/* --- public ----------------------------------------------------------- */

void qmp_features_free(struct qmp_features *f)
{
	if (!f)
		return;
	json_decref(f->caps);
	json_decref(f->params);
	json_decref(f->cmds);
	json_decref(f->multifd_compression);
	free(f);
}

int qmp_features_from_json(const json_t *caps, const json_t *params,
			   const json_t *schema, struct qmp_features **out,
			   char *err, size_t errlen)
{
	struct qmp_features *f;
	int r = -ENOMEM;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		goto fail;
	f->caps = json_object();
	f->params = json_object();
	f->cmds = json_object();
	f->multifd_compression = json_object();
	if (!f->caps || !f->params || !f->cmds || !f->multifd_compression)
		goto fail;
	if (caps) {
		r = add_capability_list(f->caps, caps, err, errlen);
		if (r)
			goto fail;
	}
	if (params) {
		r = add_parameter_keys(f->params, params, err, errlen);
		if (r)
			goto fail;
	}
	if (schema) {
		r = add_schema(f, schema, err, errlen);
		if (r)
			goto fail;
	}
	*out = f;
	return 0;
fail:
	if (r == -ENOMEM && err && errlen)
		snprintf(err, errlen, "out of memory");
	qmp_features_free(f);
	return r;
}

int qmp_features_probe(struct qmp_client *c, struct qmp_features **out)
{
	json_t *caps = NULL, *params = NULL, *schema = NULL;
	char err[256];
	int r;

	*out = NULL;
	r = qmp_execute(c, "query-migrate-capabilities", NULL, 0, &caps);
	if (r)
		goto out;
	r = qmp_execute(c, "query-migrate-parameters", NULL, 0, &params);
	if (r)
		goto out;
	r = qmp_execute(c, "query-qmp-schema", NULL, 0, &schema);
	if (r)
		goto out;
	r = qmp_features_from_json(caps, params, schema, out, err, sizeof(err));
	if (r)
		qmp_set_error(c, "%s", err);
out:
	json_decref(caps);
	json_decref(params);
	json_decref(schema);
	return r;
}

static bool in_set(const json_t *set, const char *name)
{
	return name && json_object_get(set, name) != NULL;
}

bool qmp_has_capability(const struct qmp_features *f, const char *name)
{
	return f && in_set(f->caps, name);
}

bool qmp_has_parameter(const struct qmp_features *f, const char *name)
{
	return f && in_set(f->params, name);
}

bool qmp_has_command(const struct qmp_features *f, const char *name)
{
	return f && in_set(f->cmds, name);
}

bool qmp_has_multifd_compression(const struct qmp_features *f,
				 const char *method)
{
	return f && in_set(f->multifd_compression, method);
}

void qmp_features_count(const struct qmp_features *f, size_t *capabilities,
			size_t *parameters, size_t *commands)
{
	if (capabilities)
		*capabilities = f ? json_object_size(f->caps) : 0;
	if (parameters)
		*parameters = f ? json_object_size(f->params) : 0;
	if (commands)
		*commands = f ? json_object_size(f->cmds) : 0;
}
