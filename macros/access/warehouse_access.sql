{#- Who may read what on Postgres (docs/ACCESS.md). The builder (the role dbt connects as) owns
    everything. Role `analyst` (no login; BI logins are members) may use schema `marts` and select
    every mart, nothing else. Row-level security on every mart limits a tenant login to the tenants
    mapped to it in security.tenant_members; members of `platform_analyst` see every tenant.
    Tables are replaced on every build and lose their policies with them, so the policy is
    re-applied by a post-hook on each mart; grants come from dbt's `grants` config. -#}

{#- on-run-start: the roles and the membership table, idempotent. Every statement is guarded so
    that a run changes nothing that exists: DDL on security.tenant_members would wait for (and then
    block) every analyst query, since each mart's policy reads it. -#}
{% macro warehouse_access_setup() -%}
    {%- if target.type == 'postgres' -%}
        do $$
        begin
            -- roles belong to the server, not the database: two first builds of two databases may
            -- both find a role missing, and the second create then finds it made
            if not exists (select from pg_roles where rolname = 'analyst') then
                begin
                    create role analyst nologin nobypassrls;
                exception when duplicate_object or unique_violation then null;
                end;
            end if;
            if not exists (select from pg_roles where rolname = 'platform_analyst') then
                begin
                    create role platform_analyst nologin nobypassrls;
                exception when duplicate_object or unique_violation then null;
                end;
            end if;
            if not pg_has_role('platform_analyst', 'analyst', 'member') then
                grant analyst to platform_analyst;
            end if;
            if not exists (select from pg_namespace where nspname = 'security') then
                create schema security;
            end if;
            if to_regclass('security.tenant_members') is null then
                create table security.tenant_members (role_name text primary key, tenant_id text not null);
                alter table security.tenant_members enable row level security;
                create policy own_membership on security.tenant_members for select
                    using (role_name = current_user);
            end if;
            if not has_schema_privilege('analyst', 'security', 'usage') then
                grant usage on schema security to analyst;
            end if;
            if not has_table_privilege('analyst', 'security.tenant_members', 'select') then
                grant select on security.tenant_members to analyst;
            end if;
        end
        $$
    {%- endif -%}
{%- endmacro %}

{#- on-run-end: schema usage (the schema may be new on a first build). -#}
{% macro grant_marts_usage() -%}
    {%- if target.type == 'postgres' -%}
        do $$
        begin
            if exists (select from pg_namespace where nspname = 'marts')
                and not has_schema_privilege('analyst', 'marts', 'usage') then
                grant usage on schema marts to analyst;
            end if;
        end
        $$
    {%- endif -%}
{%- endmacro %}

{#- post-hook on marts: tenant isolation for tables with a tenant_id column. -#}
{% macro apply_tenant_rls() -%}
    {%- if target.type == 'postgres' and config.get('materialized') in ('table', 'incremental') -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- if 'tenant_id' in columns -%}
            alter table {{ this }} enable row level security;
            drop policy if exists tenant_isolation on {{ this }};
            {#- both tests are subqueries so Postgres evaluates them once per query, not per row -#}
            create policy tenant_isolation on {{ this }} for select to analyst using (
                (select pg_has_role(current_user, 'platform_analyst', 'member'))
                or tenant_id in (select m.tenant_id from security.tenant_members as m)
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- pre-hook on marts: a build waits at most var swap_lock_timeout (10 s) for the lock it needs to
    swap a mart in. Without it, one long analyst query would hold the swap back and every other
    reader would queue behind the waiting swap: a dashboard-wide stall. With it, the model fails
    fast and is retried (`dbt retry`, or re-executing the failed Dagster run). -#}
{% macro swap_lock_timeout() -%}
    {%- if target.type == 'postgres' -%}
        set local lock_timeout = '{{ var("swap_lock_timeout", "10s") }}'
    {%- endif -%}
{%- endmacro %}
