{#- The MRR bridge holds in every month of every tenant: ending = starting +
    new + expansion + reactivation + contraction + churned, and starting = the
    previous month's ending (0 in a tenant's first month). Returns the months
    where either fails (beyond 0.0001 of rounding). -#}
{% test mrr_bridge_balances(model) %}

with

bridge as (
    select
        tenant_id,
        month,
        starting_mrr,
        ending_mrr,
        starting_mrr + new_mrr + expansion_mrr + reactivation_mrr + contraction_mrr + churned_mrr
            as computed_ending_mrr,
        coalesce(lag(ending_mrr) over (partition by tenant_id order by month), 0) as previous_ending_mrr
    from {{ model }}
)

select *
from bridge
where
    abs(ending_mrr - computed_ending_mrr) > 0.0001
    or abs(starting_mrr - previous_ending_mrr) > 0.0001

{% endtest %}
