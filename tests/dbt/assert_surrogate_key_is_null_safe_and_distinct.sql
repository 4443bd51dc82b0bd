-- surrogate_key: same inputs give the same key; nulls, empty strings and separators
-- cannot make two different tuples collide. Returns rows on failure.
with

pairs as (
    select 'a' as x, cast(null as {{ dbt.type_string() }}) as y
    union all
    select cast(null as {{ dbt.type_string() }}), 'a'
    union all
    select 'a|', 'b'
    union all
    select 'a', '|b'
    union all
    select 'a', 'b'
    union all
    select 'a', ''
),

keyed as (
    select
        x,
        y,
        {{ surrogate_key(['x', 'y']) }} as k1,
        {{ surrogate_key(['x', 'y']) }} as k2
    from pairs
)

select 'unstable' as problem from keyed where k1 != k2 or k1 is null
union all
select 'collision' from keyed group by k1 having count(*) > 1
