-- Catalog search per tenant (issue 20). A GIN index on `search` alone spans every tenant: a common
-- word matched a hundred tenants' courses before the tenant filter threw 99% of them away. With
-- `btree_gin` the tenant is a key of the same index, so a search reads only its tenant's matches.
create extension if not exists btree_gin;
create index course_tenant_search on course using gin (tenant_id, search);
drop index course_search;
-- Staff list every status at once, newest first.
create index course_tenant_created on course (tenant_id, created_at desc, id desc);
