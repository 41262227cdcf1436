with

features as (
    select * from {{ ref('customer_features') }}
),

scores as (
    select * from {{ ref('customer_scores') }}
),

-- profit levels are quantiles of the scored customers' profit (vars low/high_profit_quantile)
profit_cutoffs as (
    select
        quantile_cont(profit, {{ var('low_profit_quantile') }}) as low_profit_cutoff,
        quantile_cont(profit, {{ var('high_profit_quantile') }}) as high_profit_cutoff
    from features
),

scored as (
    select
        features.*,
        scores.decline_probability,
        scores.risk_band,
        case
            when features.profit >= profit_cutoffs.high_profit_cutoff then 'high'
            when features.profit <= profit_cutoffs.low_profit_cutoff then 'low'
            else 'medium'
        end as profit_level,
        features.service_tier = '{{ shop_tier("premium") }}' as is_premium,
        -- the one definition of profit at risk: the expected profit lost over the next
        -- var profit_at_risk_months months, in the unit of «Прибыль» as delivered (money.csv)
        {{ var('profit_at_risk_months') }} * scores.decline_probability * features.profit
            as profit_at_risk
    from features
    inner join scores on features.customer_id = scores.customer_id
    cross join profit_cutoffs
)

select * from scored
