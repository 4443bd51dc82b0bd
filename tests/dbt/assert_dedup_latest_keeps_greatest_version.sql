-- dedup_latest keeps, per key, the greatest updated_at then _loaded_at (nulls last),
-- and keeps every null-key row; _tied_versions counts the rows sharing the row's key and
-- order columns (the kept row's tie means the load cannot tell its versions apart).
-- Returns rows on failure.
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
    union all
    select 't1', null, 2, 1, 'null key 3'
    union all
    -- two versions tied at the top, and an older pair tied below them
    select 't3', 'b', 5, 5, 'tied'
    union all
    select 't3', 'b', 5, 5, 'tied'
    union all
    select 't3', 'b', 4, 4, 'older tie'
    union all
    select 't3', 'b', 4, 4, 'older tie'
    union all
    select 't3', 'b', 3, 3, 'oldest'
),

kept as (
    {{ dedup_latest('versions', ['tenant_id', 'id'], ['updated_at', '_loaded_at']) | indent(4) }}
)

select 'wrong version kept' as problem from kept where id is not null and tenant_id != 't3' and v != 'latest'
union all
select 'tie not kept once' from kept where tenant_id = 't3' having count(*) != 1 or min(v) != 'tied'
union all
select 'tie not counted' from kept where tenant_id = 't3' and _tied_versions != 2
union all
select 'untied row counted as tied' from kept where tenant_id in ('t1', 't2') and id is not null and _tied_versions != 1
union all
-- null-key rows: each counts the rows with its own key and order columns
select 'null-key tie miscounted' from kept where id is null and v like 'null key %' and _tied_versions != (case when v = 'null key 3' then 1 else 2 end)
union all
select 'null-key rows lost' from kept where id is null having count(*) != 3
union all
select 'wrong row count' from kept having count(*) != 6
