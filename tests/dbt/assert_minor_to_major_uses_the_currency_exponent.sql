-- minor_to_major divides by 10^exponent: JPY (0), USD (2), KWD (3). Returns rows on failure.
with

cases as (
    select 12345 as amount_minor, 0 as exponent, 12345.0 as expected
    union all
    select 12345, 2, 123.45
    union all
    select 12345, 3, 12.345
    union all
    select -250, 2, -2.5
),

checked as (
    select
        cases.*,
        {{ minor_to_major('cases.amount_minor', 'cases.exponent') }} as actual
    from cases
)

select * from checked
where abs(actual - expected) > 0.0000001
