-- Customer Success: renewals due and renewal rate by quarter
select quarter, plan_term, renewals_due, renewed, not_renewed, upcoming, renewal_rate
from marts.renewals_quarterly
where tenant_id = %(tenant_id)s and quarter >= %(since_month)s
order by quarter, plan_term
