-- dedup_latest keeps, per key, the greatest updated_at then _loaded_at (nulls last),
-- and keeps every null-key row. Returns rows on failure.
with

versions as (
    select 't1' as tenant_id, 'a' as id, 1 as updated_at, 1 as _loaded_at, 'old' as v
    union all
    select 't1', 'a', 2, 1, 'latest'
    union all
    select 't1', 'a', 1, 9, 'reloaded old'
    union all
    select 't2', 'a', null, 5, 'null updated_at'
    union all
    select 't2', 'a', 1, 1, 'latest'
    union all
    select 't1', null, 1, 1, 'null key 1'
    union all
    select 't1', null, 1, 1, 'null key 2'
),

kept as (
    {{ dedup_latest('versions', ['tenant_id', 'id'], ['updated_at', '_loaded_at']) | indent(4) }}
)

select 'wrong version kept' as problem from kept where id is not null and v != 'latest'
union all
select 'null-key rows lost' from kept where id is null having count(*) != 2
union all
select 'wrong row count' from kept having count(*) != 4
